"""The one way a change's status moves: compare-and-set on status and version, plus the audit row."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.utils import timezone

from apps.accounts.models import User
from apps.changes.choices import TRANSITIONS
from apps.changes.exceptions import InvalidTransition, StaleChange
from apps.changes.models import Change
from apps.core.services import audit_record


def check_version(change: Change, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != change.version:
        raise StaleChange(change.number)


def cas_update(change: Change, **fields: Any) -> None:
    """Write ``fields`` only while the row still has the status and version read into ``change``; bump version.

    A change not inserted yet is changed in memory only: lifecycle writes a new change's row once, as it ends up.
    """
    now = timezone.now()
    if change.pk is not None:
        moved = Change.objects.filter(pk=change.pk, status=change.status, version=change.version).update(
            version=F("version") + 1, updated_at=now, **fields
        )
        if moved != 1:
            raise StaleChange(change.number)
    # The row is now what was read plus what was written (the compare-and-set guarantees it): set that in memory
    # rather than read the row back, which would also drop the services prefetched for scoring and routing.
    change.version += 1
    change.updated_at = now
    for name, value in fields.items():
        setattr(change, name, value)


def move(change: Change, *, to: str, actor: User | None, comment: str = "", **fields: Any) -> Change:
    """Move ``change`` to ``to`` if choices.TRANSITIONS allows it; InvalidTransition names the current state."""
    if to not in TRANSITIONS.get(change.status, frozenset()):
        raise InvalidTransition(change.status, to)
    old = change.status
    cas_update(change, status=to, **fields)
    audit_record(target=change, verb="status_changed", actor=actor, comment=comment, **{"from": old, "to": to})
    return change
