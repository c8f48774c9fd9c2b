"""The one write of a service request's status, shared by the lifecycle, approvals, SLA and automation services.

A move is a compare-and-set on the row's status and version, the audit event, the status email and the SLA due
time, in the caller's transaction. This module imports no other service module but notifications, so any of
them may import it at module level (a late import would only hide the cycle).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts.models import User
from apps.core.services import audit_record
from apps.fulfillment.choices import TERMINAL_STATUSES, TRANSITIONS, RequestStatus
from apps.fulfillment.exceptions import InvalidTransition, StaleRequest
from apps.fulfillment.models import ServiceRequest
from apps.fulfillment.permissions import can_transition
from apps.fulfillment.selectors.sla import CLOCK_PAUSED, CLOCK_STOPPED, WARN_AHEAD, request_sla_clock
from apps.fulfillment.services.notifications import notify_status

S = RequestStatus


def check_version(sr: ServiceRequest, expected_version: int | None) -> None:
    """StaleRequest when the caller read ``sr`` at another version than ``expected_version`` (None: any)."""
    if expected_version is not None and expected_version != sr.version:
        raise StaleRequest(sr.number)


def cas_update(sr: ServiceRequest, **fields: Any) -> None:
    """Write ``fields`` only while the row still has the status and version read into ``sr``; bump version."""
    moved = ServiceRequest.objects.filter(pk=sr.pk, status=sr.status, version=sr.version).update(
        version=F("version") + 1, updated_at=timezone.now(), **fields
    )
    if moved != 1:
        raise StaleRequest(sr.number)
    sr.refresh_from_db()


def status_write(sr: ServiceRequest, *, to: str, actor: User | None, comment: str) -> ServiceRequest:
    """Move ``sr`` to ``to`` with no legality check (request_move makes it); ``actor`` None is the system."""
    old, now = sr.status, timezone.now()
    fields: dict[str, Any] = {"status": to}
    if to == S.FULFILLED:
        fields["fulfilled_at"] = now
    elif old == S.FULFILLED and to == S.IN_PROGRESS:
        fields["fulfilled_at"] = None  # reopened: the auto-close clock starts again at the next fulfilment
    if to in TERMINAL_STATUSES:
        fields["closed_at"] = now
    cas_update(sr, **fields)
    event = audit_record(target=sr, verb="status_changed", actor=actor, comment=comment, **{"from": old, "to": to})
    notify_status(event, sr)
    request_sla_refresh(request=sr)
    return sr


@transaction.atomic
def request_move(
    *, request: ServiceRequest, to: str, actor: User | None, expected_version: int | None = None, comment: str = ""
) -> ServiceRequest:
    """Move ``request`` to ``to`` if the lifecycle allows it and ``actor`` may; ``actor`` None is the system.

    Raises StaleRequest when ``expected_version`` (or the row) moved on, InvalidTransition for a move
    choices.TRANSITIONS does not have, PermissionDenied when ``actor`` may not make it. What follows a move
    to approved (automation) is services.lifecycle.request_transition's.
    """
    check_version(request, expected_version)
    if to not in TRANSITIONS.get(request.status, frozenset()):
        raise InvalidTransition(request.status, to)
    if actor is not None and not can_transition(actor, request, to):
        raise PermissionDenied(f"You may not move this request to “{S(to).label}”.")
    return status_write(request, to=to, actor=actor, comment=comment.strip())


def request_sla_refresh(*, request: ServiceRequest) -> None:
    """Recompute ``request``'s due time from its recorded state changes. Called after every status write.

    Writes ``due_at`` (None while paused) with a plain update: the clock is derived data, so it does not
    bump ``version`` and never makes an agent's open page stale. A due time pushed beyond the warning
    horizon (after a pause, a reopen) clears the warning and escalation marks so the sweep may act again.
    """
    if request.status in CLOCK_STOPPED:
        return
    due_at = None if request.status in CLOCK_PAUSED else request_sla_clock(request).due_at
    fields: dict[str, Any] = {}
    if due_at != request.due_at:
        fields["due_at"] = due_at
    if due_at is not None and due_at > timezone.now() + WARN_AHEAD:
        if request.sla_warned_at is not None:
            fields["sla_warned_at"] = None
        if request.escalated_at is not None:
            fields["escalated_at"] = None
    if fields:
        ServiceRequest.objects.filter(pk=request.pk).update(**fields)
        for name, value in fields.items():
            setattr(request, name, value)
