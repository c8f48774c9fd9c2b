"""Change enablement: changes to services, the policy that scores them, windows, approvals and reviews."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from apps.accounts.models import Team, validate_timezone
from apps.catalog.models import Service
from apps.changes.choices import (
    ApprovalKind,
    ChangeStatus,
    ChangeType,
    Decision,
    Outcome,
    RuleKind,
    Tier,
    WindowKind,
)
from apps.changes.querysets import ChangeQuerySet
from apps.core import numbers

NUMBER_PREFIX = "CHG-"


def format_number(pk: int) -> str:
    return numbers.format_number(NUMBER_PREFIX, pk)


def parse_number(number: str) -> int | None:
    """The primary key behind ``CHG-000123`` (or ``123``); None when it is not a change number."""
    return numbers.parse_number(NUMBER_PREFIX, number)


class Environment(models.Model):
    """Where a change is deployed: development, staging, production."""

    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    is_production = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class AdvisoryBoard(models.Model):
    """A team flagged as change advisory board: its members may approve high-risk and emergency changes."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="advisory_board")

    class Meta:
        verbose_name = "change advisory board"

    def __str__(self) -> str:
        return str(self.team)


class RiskPolicy(models.Model):
    """A versioned risk policy: score rules, required checks and the score bands of the tiers.

    A draft (``activated_at`` empty) is edited; activation seals it: from then on the database refuses any
    update of its rules, bands or test cases (triggers of migration 0002), only ``is_active`` may still flip.
    """

    name = models.CharField(max_length=100)
    version = models.PositiveIntegerField(unique=True)
    is_active = models.BooleanField(default=False)
    description = models.TextField(blank=True)
    medium_from = models.IntegerField(default=30, help_text="A score at or above this is at least medium.")
    high_from = models.IntegerField(default=60, help_text="A score at or above this is high.")
    created_at = models.DateTimeField(auto_now_add=True)
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="drafts", help_text="Drafted from."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Everyone who drafted or edited the version: none of them may activate it (four eyes).
    authors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    activated_at = models.DateTimeField(null=True, blank=True, db_index=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    activation_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-version"]
        verbose_name_plural = "risk policies"
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="%(app_label)s_%(class)s_one_active"
            ),
            models.CheckConstraint(
                condition=Q(high_from__gt=models.F("medium_from")), name="%(app_label)s_%(class)s_band_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("changes:policy-detail", args=[self.version])

    @property
    def is_draft(self) -> bool:
        return self.activated_at is None


class PolicyRule(models.Model):
    """One CEL expression of a policy: a score rule (adds its weight when true) or a required check."""

    policy = models.ForeignKey(RiskPolicy, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(max_length=8, choices=RuleKind.choices, default=RuleKind.SCORE)
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=240, blank=True)
    expression = models.TextField()
    weight = models.IntegerField(default=0, help_text="Added to the score when the rule is true (score rules).")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["policy", "kind", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "name"], name="%(app_label)s_%(class)s_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class PolicyTestCase(models.Model):
    """A named attribute set a policy version must place in the expected tier (and fire the expected rules)."""

    policy = models.ForeignKey(RiskPolicy, on_delete=models.CASCADE, related_name="test_cases")
    name = models.CharField(max_length=120)
    # Only the attributes set; the documented defaults (apps.changes.policy.attributes) fill the rest.
    attributes = models.JSONField(default=dict, blank=True)
    expected_tier = models.CharField(max_length=8, choices=Tier.choices)
    # None: not checked; a list: exactly these score rules must fire (in any order).
    expected_rules = models.JSONField(null=True, blank=True)
    source_change = models.ForeignKey(
        "Change", null=True, blank=True, on_delete=models.SET_NULL, related_name="policy_test_cases"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["policy", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "name"], name="%(app_label)s_%(class)s_unique_name"),
            models.CheckConstraint(condition=Q(expected_tier__in=Tier.values), name="%(app_label)s_%(class)s_tier"),
        ]

    def __str__(self) -> str:
        return self.name


class PolicyBacktest(models.Model):
    """One replay of a policy version over the attribute snapshots of recent changes, with its result."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    policy = models.ForeignKey(RiskPolicy, on_delete=models.CASCADE, related_name="backtests")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True)
    days = models.PositiveIntegerField(default=90)
    since = models.DateTimeField()
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    # {"old": {"new": count}} for every old and new tier; shares as counts per tier before and after.
    matrix = models.JSONField(default=dict, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    # [[change id, old tier, new tier, old score, new score], ...] of the changes whose tier moved.
    moved = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(processed__lte=models.F("total")), name="%(app_label)s_%(class)s_progress"
            )
        ]

    def __str__(self) -> str:
        return f"Back-test of {self.policy} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.processed / self.total) if self.total else 0

    @property
    def moved_count(self) -> int:
        return len(self.moved)

    @property
    def matrix_rows(self) -> list[tuple[str, list[int]]]:
        """The matrix in tier order (PostgreSQL's jsonb does not keep the keys' order)."""
        return [(old, [self.matrix.get(old, {}).get(new, 0) for new in Tier.values]) for old in Tier.values]


class StandardChangeTemplate(models.Model):
    """A pre-approved change model ("rotate a certificate") from which a change is opened in one step."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    implementation_plan = models.TextField(blank=True)
    rollback_plan = models.TextField(blank=True)
    services = models.ManyToManyField(Service, blank=True, related_name="change_templates")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Window(models.Model):
    """A freeze (no change may run) or maintenance window (lower risk), possibly recurring (RRULE).

    Start and end are stored as instants; the recurrence repeats their wall-clock times in ``timezone``,
    so "Friday 16:00 to Monday 07:00" stays so across daylight-saving changes (apps.changes.windows).
    """

    kind = models.CharField(max_length=12, choices=WindowKind.choices, db_index=True)
    title = models.CharField(max_length=120)
    reason = models.TextField(blank=True)
    all_services = models.BooleanField(default=False)
    services = models.ManyToManyField(Service, blank=True, related_name="change_windows")
    environments = models.ManyToManyField(
        Environment, blank=True, related_name="windows", help_text="None chosen: every environment."
    )
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    starts_at = models.DateTimeField(help_text="Start of the (first) occurrence.")
    ends_at = models.DateTimeField(help_text="End of the (first) occurrence.")
    rrule = models.CharField(max_length=500, blank=True, help_text="RFC 5545 recurrence, e.g. FREQ=WEEKLY;BYDAY=FR")
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Part of the gate cache's key (apps.changes.windows.window_specs); signals bump it when the scope changes.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="%(app_label)s_%(class)s_order")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"


class Change(models.Model):
    """One change to one or more services in one environment, from request to outcome."""

    type = models.CharField(max_length=12, choices=ChangeType.choices, default=ChangeType.NORMAL, db_index=True)
    status = models.CharField(max_length=20, choices=ChangeStatus.choices, default=ChangeStatus.DRAFT, db_index=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    services = models.ManyToManyField(Service, related_name="changes")
    environment = models.ForeignKey(Environment, on_delete=models.PROTECT, related_name="changes")
    template = models.ForeignKey(
        StandardChangeTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="changes"
    )
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="changes_requested")
    ci_actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes_triggered"
    )
    ci_actor_login = models.CharField(max_length=150, blank=True, help_text="As the CI system named the actor.")
    planned_start = models.DateTimeField(db_index=True)
    planned_end = models.DateTimeField()
    implementation_plan = models.TextField(blank=True)
    rollback_plan = models.TextField(blank=True)
    test_links = models.JSONField(default=list, blank=True)
    tests_passed = models.PositiveIntegerField(null=True, blank=True)
    tests_failed = models.PositiveIntegerField(null=True, blank=True)
    tests_skipped = models.PositiveIntegerField(null=True, blank=True)
    commit_sha = models.CharField(max_length=64, blank=True)
    # CI system + repository + workflow + run: what evidence is later matched on, and the idempotency key.
    ci_system = models.CharField(max_length=40, blank=True)
    ci_repository = models.CharField(max_length=200, blank=True)
    ci_workflow = models.CharField(max_length=200, blank=True)
    ci_run_id = models.CharField(max_length=100, blank=True)
    ci_run_attempt = models.PositiveIntegerField(default=1)
    ci_run_url = models.URLField(max_length=500, blank=True)
    diff_lines = models.PositiveIntegerField(null=True, blank=True)
    files_changed = models.PositiveIntegerField(null=True, blank=True)
    paths = models.JSONField(default=list, blank=True)
    visible_to_end_users = models.BooleanField(default=False)
    public_title = models.CharField(max_length=200, blank=True)
    # The last scoring: inputs and result, read by the gate without evaluating any rule.
    risk_score = models.IntegerField(null=True, blank=True)
    tier = models.CharField(max_length=8, choices=Tier.choices, blank=True, db_index=True)
    policy = models.ForeignKey(RiskPolicy, null=True, blank=True, on_delete=models.PROTECT, related_name="changes")
    policy_version = models.PositiveIntegerField(null=True, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    rules_fired = models.JSONField(default=list, blank=True)
    checks = models.JSONField(default=list, blank=True, help_text="Required checks with their results.")
    scored_at = models.DateTimeField(null=True, blank=True)
    approval_round = models.PositiveIntegerField(default=1, help_text="Bumped when an edit resets the approvals.")
    approved_at = models.DateTimeField(null=True, blank=True)
    freeze_override = models.BooleanField(default=False, help_text="An emergency approval lets it pass a freeze.")
    gate_go_at = models.DateTimeField(null=True, blank=True, help_text="When the gate first said go.")
    deployed_without_go = models.BooleanField(default=False, db_index=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="Bumped on every write; stale writes answer 409.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("view_all_changes", "Can see every change (staff roles)"),
            ("manage_changes", "Can edit open changes and manage freeze and maintenance windows (managers)"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["ci_system", "ci_repository", "ci_workflow", "environment", "ci_run_id", "ci_run_attempt"],
                condition=~Q(ci_run_id=""),
                name="%(app_label)s_%(class)s_unique_ci_run",
            ),
            models.CheckConstraint(
                condition=Q(planned_end__gt=models.F("planned_start")), name="%(app_label)s_%(class)s_window_order"
            ),
            models.CheckConstraint(condition=Q(tier__in=["", *Tier.values]), name="%(app_label)s_%(class)s_tier_valid"),
        ]
        indexes = [
            models.Index(fields=["environment", "status", "planned_start"], name="changes_env_status_start_idx"),
            models.Index(fields=["requester", "-created_at"], name="changes_requester_idx"),
            # The calendar's range reads (planned_end > start of the view: few rows) and the feeds' ETag (MAX).
            models.Index(fields=["planned_end", "planned_start"], name="changes_end_start_idx"),
            models.Index(fields=["updated_at"], name="changes_updated_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("changes:change-detail", args=[self.number])

    @property
    def number(self) -> str:
        return format_number(self.pk)

    @property
    def by_pipeline(self) -> bool:
        return bool(self.ci_run_id)

    @property
    def has_test_evidence(self) -> bool:
        return bool(self.test_links) or self.tests_passed is not None


class ChangeApproval(models.Model):
    """One decision on a change for one owner team (or by policy), within one approval round."""

    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="approvals")
    round = models.PositiveIntegerField()
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="change_approvals"
    )
    kind = models.CharField(max_length=10, choices=ApprovalKind.choices)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # One decision per owner team and round: two concurrent approvals cannot both count.
            models.UniqueConstraint(
                fields=["change", "round", "team"],
                condition=Q(team__isnull=False),
                name="%(app_label)s_%(class)s_one_per_team",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.change} {self.decision} by {self.approver or 'policy'}"


class ReviewTask(models.Model):
    """A post-implementation review an emergency change owes its owner team."""

    change = models.OneToOneField(Change, on_delete=models.CASCADE, related_name="review_task")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="change_reviews")
    due_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at"]

    def __str__(self) -> str:
        return f"Review of {self.change.number}"
