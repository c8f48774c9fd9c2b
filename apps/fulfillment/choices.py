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

# What a button that makes a move says: the action, not the state it leads to ("Mark fulfilled", not
# "Fulfilled"). (from, to) pairs first, then by target.
_ACTION_BY_MOVE: dict[tuple[str, str], str] = {
    (S.FULFILLED, S.IN_PROGRESS): "Reopen",
    (S.ON_HOLD, S.IN_PROGRESS): "Resume work",
    (S.FAILED, S.IN_PROGRESS): "Work on it again",
}
_ACTION_BY_TARGET: dict[str, str] = {
    S.AWAITING_APPROVAL: "Send for approval",
    S.APPROVED: "Approve",
    S.REJECTED: "Reject",
    S.IN_PROGRESS: "Start work",
    S.ON_HOLD: "Ask the requester",
    S.FULFILLED: "Mark fulfilled",
    S.FAILED: "Mark failed",
    S.CLOSED: "Close",
    S.CANCELLED: "Cancel request",
}
# Moves that lose work or end the request: asked in a confirmation box, with a reason (required for REJECTED,
# which the lifecycle refuses without one; asked of the requester for ON_HOLD).
CONFIRMED_MOVES = frozenset({S.CANCELLED, S.REJECTED, S.ON_HOLD})


def action_label(current: str, to: str) -> str:
    """The words on the button that moves a request from ``current`` to ``to``."""
    return _ACTION_BY_MOVE.get((current, to)) or _ACTION_BY_TARGET.get(to) or str(S(to).label)
