"""Service request statuses and the one table that says which moves are legal."""

from django.db import models


class RequestStatus(models.TextChoices):
    NEW = "new", "New"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    IN_PROGRESS = "in_progress", "In progress"
    ON_HOLD = "on_hold", "On hold — waiting for requester"
    FULFILLED = "fulfilled", "Fulfilled"
    FAILED = "failed", "Failed"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


S = RequestStatus

# status -> statuses it may move to. The only place the lifecycle is written down;
# apps.fulfillment.services.request_transition enforces it, and views list the moves from it.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.AWAITING_APPROVAL, S.IN_PROGRESS, S.CANCELLED}),
    S.AWAITING_APPROVAL: frozenset({S.APPROVED, S.REJECTED, S.CANCELLED}),
    S.APPROVED: frozenset({S.IN_PROGRESS, S.CANCELLED}),
    S.REJECTED: frozenset(),
    S.IN_PROGRESS: frozenset({S.ON_HOLD, S.FULFILLED, S.FAILED, S.CANCELLED}),
    S.ON_HOLD: frozenset({S.IN_PROGRESS, S.CANCELLED}),
    S.FULFILLED: frozenset({S.CLOSED, S.IN_PROGRESS}),  # in_progress here is the requester's reopen
    S.FAILED: frozenset({S.IN_PROGRESS, S.CANCELLED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}

OPEN_STATUSES = frozenset({S.NEW, S.AWAITING_APPROVAL, S.APPROVED, S.IN_PROGRESS, S.ON_HOLD, S.FAILED})
TERMINAL_STATUSES = frozenset(s for s, targets in TRANSITIONS.items() if not targets)
