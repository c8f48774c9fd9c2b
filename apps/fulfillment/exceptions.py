"""Errors the fulfillment services raise; views and the API turn them into 400 and 409 answers."""

from django.core.exceptions import ValidationError

from apps.fulfillment.choices import RequestStatus


def _label(status: str) -> str:
    return str(RequestStatus(status).label) if status in RequestStatus.values else repr(status)


class InvalidTransition(Exception):
    """The lifecycle (choices.TRANSITIONS) does not allow this move from the current status."""

    def __init__(self, current: str, to: str) -> None:
        self.current, self.to = current, to
        if to not in RequestStatus.values:
            self.message = f"{to!r} is not a request status; choose one of: {', '.join(RequestStatus.values)}."
        else:
            self.message = f"A request that is “{_label(current)}” cannot move to “{_label(to)}”."
        super().__init__(self.message)


class StaleRequest(Exception):
    """The request changed since the caller read it (version or status moved): nothing was written."""

    message = "This request was changed by someone else since you loaded it; nothing was changed. Reload and retry."

    def __init__(self, number: str = "") -> None:
        self.number = number
        super().__init__(self.message)


class InvalidAnswers(ValidationError):
    """The answers do not fit the item's form; ``error_dict`` is keyed by form field name."""
