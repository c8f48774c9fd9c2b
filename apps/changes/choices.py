"""Change types, statuses, tiers and the one table that says which status moves are legal."""

from django.db import models


class ChangeType(models.TextChoices):
    STANDARD = "standard", "Standard"
    NORMAL = "normal", "Normal"
    EMERGENCY = "emergency", "Emergency"


class ChangeStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ASSESSING = "assessing", "Assessing"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    APPROVED = "approved", "Approved"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    ROLLED_BACK = "rolled_back", "Rolled back"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


class Tier(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class WindowKind(models.TextChoices):
    FREEZE = "freeze", "Freeze"
    MAINTENANCE = "maintenance", "Maintenance"


class RuleKind(models.TextChoices):
    SCORE = "score", "Score rule"
    CHECK = "check", "Required check"


class ApprovalKind(models.TextChoices):
    POLICY = "policy", "Approved by policy"
    PEER = "peer", "Peer review"
    MANAGER = "manager", "Owner team's manager"
    BOARD = "board", "Change advisory board"


class Decision(models.TextChoices):
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Outcome(models.TextChoices):
    STARTED = "started", "Started"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    ROLLED_BACK = "rolled_back", "Rolled back"


class GateDecision(models.TextChoices):
    GO = "go", "Go"
    WAIT = "wait", "Wait"
    NO_GO = "no-go", "No-go"


S = ChangeStatus

# status -> statuses it may move to. The only place the lifecycle is written down;
# apps.changes.services.lifecycle.change_transition enforces it. "assessing" from awaiting approval or
# approved is the reset an edit that matters causes (services.lifecycle.change_update).
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.ASSESSING, S.CANCELLED}),
    S.ASSESSING: frozenset({S.AWAITING_APPROVAL, S.APPROVED, S.CANCELLED}),
    S.AWAITING_APPROVAL: frozenset({S.ASSESSING, S.APPROVED, S.REJECTED, S.CANCELLED}),
    S.APPROVED: frozenset({S.ASSESSING, S.IN_PROGRESS, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.COMPLETED, S.FAILED, S.ROLLED_BACK}),
    S.COMPLETED: frozenset(),
    S.FAILED: frozenset(),
    S.ROLLED_BACK: frozenset(),
    S.REJECTED: frozenset(),
    S.CANCELLED: frozenset(),
}

TERMINAL_STATUSES = frozenset(s for s, targets in TRANSITIONS.items() if not targets)
# Statuses in which the requester and owner teams may still edit the change.
EDITABLE_STATUSES = frozenset({S.DRAFT, S.ASSESSING, S.AWAITING_APPROVAL, S.APPROVED})
# Changes that hold their window: what conflicts are computed against.
SCHEDULED_STATUSES = frozenset({S.APPROVED, S.IN_PROGRESS})
# Outcomes of a finished deployment, as counted by the change failure rate.
FAILED_STATUSES = frozenset({S.FAILED, S.ROLLED_BACK})
FINISHED_STATUSES = frozenset({S.COMPLETED, S.FAILED, S.ROLLED_BACK})

TIER_RANK = {Tier.LOW: 0, Tier.MEDIUM: 1, Tier.HIGH: 2}
