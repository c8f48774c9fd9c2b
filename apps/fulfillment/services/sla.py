"""SLA clocks in the fulfilling team's business time: due times, pauses, warnings and escalations.

The clock is rebuilt from the recorded status changes every time (selectors.sla), never accumulated in
a column, so no edit can lose paused time. It runs while the request is new, approved, in progress or
failed; it is paused while on hold — waiting for requester AND while awaiting approval (the desk is not
charged for the approver's delay); it stops at fulfilled, closed, cancelled or rejected. ``due_at`` is
empty while paused and kept as it was once stopped (reports compare it with the fulfilment time).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from apps.core.services import audit_record
from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.models import Comment, ServiceRequest
from apps.fulfillment.selectors.sla import (
    CLOCK_PAUSED,
    CLOCK_RUNNING,
    CLOCK_STOPPED,
    SlaStatus,
    calendar_for_team,
    request_sla_clock,
    request_sla_status,
)

__all__ = [
    "SlaStatus",
    "calendar_for_team",
    "request_sla_on_comment",
    "request_sla_refresh",
    "request_sla_status",
    "sla_warn_and_escalate",
]

S = RequestStatus
WARN_AHEAD = dt.timedelta(hours=1)
SWEEP_BATCH = 500


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


def request_sla_on_comment(*, request: ServiceRequest, comment: Comment) -> ServiceRequest | None:
    """A public reply of the requester (or the person it is for) to a request on hold resumes it.

    The move to in progress is made by the system and recorded like any other, so the clock resumes
    from the reply's time. Returns the moved request, or None when the comment changes nothing.
    """
    if comment.is_internal or comment.author_id not in (request.requester_id, request.requested_for_id):
        return None
    if request.status != S.ON_HOLD:
        return None
    request.refresh_from_db(fields=["status", "version"])  # the page the reply came from may be old
    if request.status != S.ON_HOLD:
        return None
    from apps.fulfillment.services.lifecycle import request_transition  # lifecycle imports this module

    return request_transition(request=request, to=S.IN_PROGRESS, actor=None, comment="The requester replied.")


# --- The periodic sweep (tasks.sla.fulfillment_sla_sweep) ----------------------------------------------


def sla_warn_and_escalate(now: dt.datetime | None = None) -> tuple[int, int]:
    """Warn about requests due within the hour, escalate overdue ones; returns (warned, escalated).

    Each request is claimed with a conditional update whose row count is checked, so two sweeps running
    at once warn or escalate it once. Mail goes out after the claim commits: a failed send is not retried
    (at most one message per request and kind).
    """
    now = now or timezone.now()
    running = ServiceRequest.objects.filter(status__in=CLOCK_RUNNING)
    due_soon = running.filter(due_at__gt=now, due_at__lte=now + WARN_AHEAD, sla_warned_at__isnull=True)
    overdue = running.filter(due_at__lte=now, escalated_at__isnull=True)
    warned = _claim_and_mail(due_soon, field="sla_warned_at", now=now, kind="warning")
    escalated = _claim_and_mail(overdue, field="escalated_at", now=now, kind="escalated")
    return len(warned), len(escalated)


def _claim_and_mail(candidates: QuerySet[ServiceRequest], *, field: str, now: dt.datetime, kind: str) -> list[int]:
    claimed: list[int] = []
    messages: list[EmailMessage] = []
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
        claimed.append(sr.pk)
        messages += _sla_messages(sr, kind=kind, now=now)
    if messages:
        get_connection().send_messages(messages)
    return claimed


def _sla_messages(sr: ServiceRequest, *, kind: str, now: dt.datetime) -> list[EmailMessage]:
    """One message per person (the assignee and the team's manager): nobody sees another's address."""
    people = {p.pk: p for p in (sr.assignee, sr.team.manager) if p is not None and p.is_active and p.email}
    url = settings.SITE_URL.rstrip("/") + sr.get_absolute_url()
    subject = f"[{sr.number}] {'Overdue' if kind == 'escalated' else 'Due within the hour'}: {sr.subject}"
    messages = []
    for person in people.values():
        with timezone.override(person.timezone or "UTC"):
            body = render_to_string(
                f"fulfillment/email/sla_{kind}.txt", {"sr": sr, "url": url, "now": now, "person": person}
            )
        messages.append(EmailMessage(subject=subject, body=body, to=[person.email]))
    return messages
