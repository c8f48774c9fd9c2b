"""SLA clocks in the fulfilling team's business time: due times, pauses, warnings and escalations.

The clock is rebuilt from the recorded status changes every time (selectors.sla), never accumulated in
a column, so no edit can lose paused time. It runs while the request is new, approved, in progress or
failed; it is paused while on hold — waiting for requester AND while awaiting approval (the desk is not
charged for the approver's delay); it stops at fulfilled, closed, cancelled or rejected. ``due_at`` is
empty while paused and kept as it was once stopped (reports compare it with the fulfilment time).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from apps.core.links import site_url
from apps.core.notifications import Email, notification_queue
from apps.core.services import audit_record
from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.models import Comment, ServiceRequest
from apps.fulfillment.selectors.sla import (
    CLOCK_RUNNING,
    WARN_AHEAD,
    SlaStatus,
    calendar_for_team,
    request_sla_status,
)
from apps.fulfillment.services.transitions import request_move, request_sla_refresh

__all__ = [
    "SlaStatus",
    "calendar_for_team",
    "request_sla_on_comment",
    "request_sla_refresh",
    "request_sla_status",
    "sla_warn_and_escalate",
]

S = RequestStatus
SWEEP_BATCH = 500


def request_sla_on_comment(*, request: ServiceRequest, comment: Comment) -> ServiceRequest | None:
    """A public reply of the requester (or the person it is for) to a request on hold resumes it.

    The move to in progress is made by the system and recorded like any other, so the clock resumes
    from the reply's time. Returns the moved request, or None when the comment changes nothing.
    (request_sla_refresh, which every status write calls, lives in services.transitions.)
    """
    if comment.is_internal or comment.author_id not in (request.requester_id, request.requested_for_id):
        return None
    if request.status != S.ON_HOLD:
        return None
    request.refresh_from_db(fields=["status", "version"])  # the page the reply came from may be old
    if request.status != S.ON_HOLD:
        return None
    return request_move(request=request, to=S.IN_PROGRESS, actor=None, comment="The requester replied.")


# --- The periodic sweep (tasks.sla.fulfillment_sla_sweep) ----------------------------------------------


def sla_warn_and_escalate(now: dt.datetime | None = None) -> tuple[int, int]:
    """Warn about requests due within the hour, escalate overdue ones; returns (warned, escalated).

    Each request is claimed with a conditional update whose row count is checked, so two sweeps running
    at once warn or escalate it once. The mail is queued in the outbox in the claim's transaction (keyed
    by the request, the kind and the claim's time) and sent by a worker after commit, with retries.
    """
    now = now or timezone.now()
    running = ServiceRequest.objects.filter(status__in=CLOCK_RUNNING)
    due_soon = running.filter(due_at__gt=now, due_at__lte=now + WARN_AHEAD, sla_warned_at__isnull=True)
    overdue = running.filter(due_at__lte=now, escalated_at__isnull=True)
    warned = _claim_and_queue(due_soon, field="sla_warned_at", now=now, kind="warning")
    escalated = _claim_and_queue(overdue, field="escalated_at", now=now, kind="escalated")
    return len(warned), len(escalated)


def _claim_and_queue(candidates: QuerySet[ServiceRequest], *, field: str, now: dt.datetime, kind: str) -> list[int]:
    claimed: list[int] = []
    # Bounded work per run: whatever is left waits for the next sweep a minute later.
    rows = candidates.select_related("assignee", "team__manager").order_by("due_at", "pk")[:SWEEP_BATCH]
    for sr in rows:
        with transaction.atomic():
            # The same conditions again, on this row: a concurrent sweep or a resume matches nothing.
            if candidates.filter(pk=sr.pk).update(**{field: now}) != 1:
                continue
            if kind == "escalated":
                due = sr.due_at.isoformat() if sr.due_at else None
                audit_record(target=sr, verb="sla_escalated", actor=None, due_at=due)
            notification_queue(
                event_key=f"fulfillment.sla-{kind}:{sr.pk}:{now.isoformat()}",
                emails=_sla_emails(sr, kind=kind, now=now),
            )
        claimed.append(sr.pk)
    return claimed


def _sla_emails(sr: ServiceRequest, *, kind: str, now: dt.datetime) -> list[Email]:
    """One message per person (the assignee and the team's manager): nobody sees another's address."""
    people = {p.pk: p for p in (sr.assignee, sr.team.manager) if p is not None and p.is_active and p.email}
    url = site_url(sr.get_absolute_url())
    subject = f"[{sr.number}] {'Overdue' if kind == 'escalated' else 'Due within the hour'}: {sr.subject}"
    emails = []
    for person in people.values():
        with timezone.override(person.timezone or "UTC"):
            body = render_to_string(
                f"fulfillment/email/sla_{kind}.txt", {"sr": sr, "url": url, "now": now, "person": person}
            )
        emails.append(Email(to=person.email, subject=subject, body=body))
    return emails
