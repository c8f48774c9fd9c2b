"""People, teams and the credentials scripts and pipelines use."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone as django_timezone

from apps.accounts.choices import TokenAccess
from apps.core.timetext import known_zones


def validate_timezone(value: str) -> None:
    if value not in known_zones():
        raise ValidationError(f"{value!r} is not a known time zone.")


def default_working_days() -> list[int]:
    return [0, 1, 2, 3, 4]


class Team(models.Model):
    """A group of people that owns services, fulfils requests and approves work."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="managed_teams"
    )
    joinable = models.BooleanField(default=False, help_text="Anyone may ask to join; membership grants no role.")
    # Business hours, used by SLA clocks.
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    workday_start = models.TimeField(default=dt.time(9, 0))
    workday_end = models.TimeField(default=dt.time(17, 0))
    working_days = models.JSONField(default=default_working_days, help_text="0 = Monday … 6 = Sunday")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(workday_end__gt=models.F("workday_start")), name="%(app_label)s_%(class)s_workday_order"
            )
        ]

    def __str__(self) -> str:
        return self.name


class TeamHoliday(models.Model):
    """A day the team does not work: SLA clocks skip it."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["team", "date"], name="%(app_label)s_%(class)s_unique_day")]

    def __str__(self) -> str:
        return f"{self.team}: {self.date} {self.name}".strip()


class User(AbstractUser):
    """A person, or a service account that exists only to hold pipeline tokens."""

    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    primary_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="primary_members"
    )
    teams = models.ManyToManyField(Team, through="Membership", related_name="members", blank=True)
    is_service_account = models.BooleanField(default=False)
    owner_team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_accounts",
        help_text="The team that owns this service account.",
    )

    class Meta:
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_service_account=False) | Q(owner_team__isnull=False),
                name="%(app_label)s_%(class)s_service_account_has_owner",
            )
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.is_service_account:
            # A service account can never log in with a password: it holds tokens only.
            self.set_unusable_password()
        super().save(*args, **kwargs)


class Membership(models.Model):
    """That a user belongs to a team."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "team"], name="%(app_label)s_%(class)s_unique")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"


class ApiToken(models.Model):
    """A credential for scripts and pipelines; only the SHA-256 digest of its key is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="The key's first characters, to recognise it in lists.")
    digest = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list, help_text="Scope names, e.g. ['requests', 'changes'].")
    access = models.CharField(max_length=8, choices=TokenAccess.choices, default=TokenAccess.READ)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def status(self) -> str:
        """ "active", "expired" or "revoked": the same test ApiTokenAuthentication applies."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= django_timezone.now():
            return "expired"
        return "active"


class LoginThrottle(models.Model):
    """Failed password logins counted against one key in its current window: a user name from one address
    (``pair:<address>:<user name>``) or an address (``addr:<address>``). See apps.accounts.throttling."""

    key = models.CharField(max_length=255, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField(db_index=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_failure_at"]

    def __str__(self) -> str:
        return f"{self.key}: {self.failures} failures since {self.window_started_at}"
