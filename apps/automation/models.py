"""Automation runs (one execution of an action for a subject) and the HTTP endpoints actions may call."""

from django.db import models
from django.db.models import Q

from apps.automation.choices import ACTIVE_STATUSES, AttemptOutcome, RunStatus
from apps.core.crypto import EncryptedTextField


class HttpEndpoint(models.Model):
    """An HTTP endpoint an administrator allows the ``http`` action to call, with its signing secret."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    url = models.URLField(max_length=500, help_text="http(s) URL; private and loopback addresses are refused.")
    # Encrypted at rest (apps.core.crypto); the admin never shows it back.
    secret = EncryptedTextField(help_text="Signs each body: X-Steward-Signature: sha256=<HMAC hex>.")
    timeout_seconds = models.PositiveSmallIntegerField(default=10)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(timeout_seconds__gte=1) & Q(timeout_seconds__lte=60),
                name="%(app_label)s_%(class)s_timeout_range",
            )
        ]

    def __str__(self) -> str:
        return self.name


class AutomationRun(models.Model):
    """One execution of an action for a subject (e.g. a service request), with its attempts and outcome."""

    action = models.CharField(max_length=64)
    subject_type = models.CharField(max_length=100, help_text="app_label.model of the subject, e.g. a request.")
    subject_id = models.CharField(max_length=64)
    sequence = models.PositiveIntegerField(help_text="1 for the subject's first run, then one more per retry.")
    params = models.JSONField(default=dict, blank=True)
    config = models.JSONField(default=dict, blank=True, help_text="The action's configuration when queued.")
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    available_at = models.DateTimeField(help_text="The sweep re-dispatches a pending run only after this time.")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    output = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # The idempotency key: a duplicate delivery can never create a second run of the same attempt.
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "sequence"], name="%(app_label)s_%(class)s_unique_sequence"
            ),
            # A subject has at most one run in flight: a retry starts only after the last run finished.
            models.UniqueConstraint(
                fields=["subject_type", "subject_id"],
                condition=Q(status__in=sorted(ACTIVE_STATUSES)),
                name="%(app_label)s_%(class)s_one_active",
            ),
        ]
        indexes = [models.Index(fields=["status", "available_at"], name="automation_run_sweep_idx")]

    def __str__(self) -> str:
        return f"{self.action} for {self.subject_type}#{self.subject_id} (#{self.sequence})"

    @property
    def key(self) -> str:
        """The delivery key sent to endpoints so they can ignore a repeated call of the same run."""
        return f"{self.subject_type}:{self.subject_id}:{self.sequence}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class AutomationAttempt(models.Model):
    """One attempt of a run: when it started, whether its external call may have happened, how it ended.

    ``called_out_at`` is written (and committed) just before an action that calls out runs: when the worker
    dies mid-attempt, it tells the sweep whether a non-idempotent action must not be repeated blindly.
    """

    run = models.ForeignKey(AutomationRun, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField(help_text="1 for the run's first attempt (AutomationRun.attempts).")
    started_at = models.DateTimeField()
    called_out_at = models.DateTimeField(
        null=True, blank=True, help_text="Set just before the external call: from then on it may have happened."
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=AttemptOutcome.choices, default=AttemptOutcome.RUNNING)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["run", "number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="%(app_label)s_%(class)s_unique_number"),
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of run {self.run_id}"
