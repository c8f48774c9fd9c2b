from django.db import models


class RunStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    # The worker died after the external call of a non-idempotent action may have happened: a person decides.
    NEEDS_ATTENTION = "needs_attention", "Needs attention"


class AttemptOutcome(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    RETRYING = "retrying", "Failed, retried later"
    LOST = "lost", "Lost (the worker never finished it)"


ACTIVE_STATUSES = frozenset({RunStatus.PENDING, RunStatus.RUNNING})
# The runs an agent may retry by hand (a new run of the subject).
RETRYABLE_STATUSES = frozenset({RunStatus.FAILED, RunStatus.NEEDS_ATTENTION})
