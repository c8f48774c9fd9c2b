"""Errors the changes services raise; views and the API turn them into 400 and 409 answers."""

from apps.changes.choices import ChangeStatus


def status_label(status: str) -> str:
    return str(ChangeStatus(status).label) if status in ChangeStatus.values else repr(status)


class InvalidTransition(Exception):
    """The lifecycle (choices.TRANSITIONS) does not allow this move from the current status."""

    def __init__(self, current: str, to: str) -> None:
        self.current, self.to = current, to
        if to not in ChangeStatus.values:
            self.message = f"{to!r} is not a change status; choose one of: {', '.join(ChangeStatus.values)}."
        else:
            self.message = f"A change that is “{status_label(current)}” cannot move to “{status_label(to)}”."
        super().__init__(self.message)


class StaleChange(Exception):
    """The change moved on since the caller read it: nothing was written."""

    message = "This change was changed by someone else since you loaded it; nothing was changed. Reload and retry."

    def __init__(self, number: str = "") -> None:
        self.number = number
        super().__init__(self.message)


class CiRunTaken(Exception):
    """The CI run already opened a change the caller may not see."""

    message = "This CI run (system, repository, workflow, environment, run id, attempt) already opened a change."
