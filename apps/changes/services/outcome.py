"""What happened when the change ran: outcomes reported by pipelines or people, and the gate's go."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.changes import selectors
from apps.changes.choices import FINISHED_STATUSES, ChangeStatus, Outcome
from apps.changes.models import Change
from apps.changes.services.state import cas_update, check_version, move
from apps.core.services import audit_record

S = ChangeStatus
# Outcome -> the status a running change ends in.
FINAL: dict[str, str] = {Outcome.SUCCEEDED: S.COMPLETED, Outcome.FAILED: S.FAILED, Outcome.ROLLED_BACK: S.ROLLED_BACK}


def change_gate_went(*, change: Change, now: dt.datetime | None = None) -> None:
    """Remember the first time the gate said go (a conditional UPDATE: concurrent polls write once)."""
    if change.gate_go_at is None:
        moment = now or timezone.now()
        Change.objects.filter(pk=change.pk, gate_go_at__isnull=True).update(gate_go_at=moment)
        change.gate_go_at = moment


def _flag_without_go(change: Change, actor: User, outcome: str) -> None:
    if change.gate_go_at is None and not change.deployed_without_go:
        Change.objects.filter(pk=change.pk).update(deployed_without_go=True)
        change.deployed_without_go = True
        audit_record(target=change, verb="deployed_without_go", actor=actor, outcome=outcome)


def _check(change: Change, outcome: str, at: dt.datetime) -> bool:
    """False when the outcome is already recorded (a retried report); ValidationError when it cannot be."""
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": f"Choose one of: {', '.join(Outcome.values)}."})
    if at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"at": "An outcome cannot be reported for the future."})
    if change.outcome == outcome:
        return False
    if change.status in FINISHED_STATUSES or change.status in (S.REJECTED, S.CANCELLED):
        raise ValidationError({"outcome": f"This change is already “{change.get_status_display()}”."})
    if outcome == Outcome.STARTED and change.outcome:
        raise ValidationError({"outcome": "This change already reported that it started."})
    return True


@transaction.atomic
def change_record_outcome(
    *, change: Change, outcome: str, actor: User, at: dt.datetime | None = None, expected_version: int | None = None
) -> Change:
    """Record started / succeeded / failed / rolled back; a deployment the gate never allowed is flagged.

    The change moves along the lifecycle where it legally can (approved -> in progress -> completed ...);
    an outcome for a change that was never approved is recorded and flagged, its status left as it is.
    """
    change = Change.objects.select_for_update().get(pk=change.pk)
    check_version(change, expected_version)
    at = at or timezone.now()
    if not _check(change, outcome, at):
        return change
    _flag_without_go(change, actor, outcome)
    times: dict[str, Any] = (
        {"started_at": change.started_at or at} if outcome == Outcome.STARTED else {"finished_at": at}
    )
    if change.status == S.APPROVED:
        move(change, to=S.IN_PROGRESS, actor=actor, started_at=change.started_at or at)
    if outcome in FINAL and change.status == S.IN_PROGRESS:
        move(change, to=FINAL[outcome], actor=actor, outcome=outcome, **times)
    else:
        cas_update(change, outcome=outcome, **times)
    audit_record(target=change, verb="outcome_recorded", actor=actor, outcome=outcome, at=at.isoformat())
    if outcome in FINAL:  # failure rates moved: the next score counts them again (a concurrent one may not)
        selectors.forget_service_history(change.services.values_list("pk", flat=True))
    return change
