"""What a provider's ``decide`` raises instead of its own errors; views and the API map each to one status.

NotFound -> 404, Refused -> 403, Stale -> 409 (changed since read, or no longer awaiting a decision),
Invalid -> 400 with a message per field. ``message`` is written for the person who decided.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError


class ApprovalError(Exception):
    """Base class: nothing was written."""

    default = "This decision was not taken."

    def __init__(self, message: str = "") -> None:
        self.message = message or self.default
        super().__init__(self.message)


class ApprovalNotFound(ApprovalError):
    default = "No such approval, or not visible to you."


class ApprovalRefused(ApprovalError):
    default = "You may not decide this."


class ApprovalStale(ApprovalError):
    default = "It changed since you loaded it and is no longer waiting for this decision; reload and retry."


class ApprovalInvalid(ApprovalError):
    """Bad input; ``errors`` maps field names (``decision``, ``comment``...) to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__(" ".join(message for messages in errors.values() for message in messages))

    @classmethod
    def from_validation_error(cls, exc: ValidationError) -> ApprovalInvalid:
        """A provider's Django ValidationError, per field (``non_field_errors`` for the rest)."""
        if not hasattr(exc, "error_dict"):
            return cls({"non_field_errors": list(exc.messages)})
        return cls({("non_field_errors" if f == "__all__" else f): list(m) for f, m in exc.message_dict.items()})
