"""Writes of the approver's inbox: decisions (one or many, all or nothing) and reminders."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.core.links import site_url
from apps.core.notifications import Email, notification_queue
from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.models import ServiceRequest
from apps.fulfillment.permissions import can_transition
from apps.fulfillment.selectors.approvals import approvers_for
from apps.fulfillment.services.lifecycle import request_transition

S = RequestStatus
DECISIONS = {"approve": S.APPROVED, "reject": S.REJECTED}


def decision_status(decision: str) -> str:
    """The status a decision moves to; ValidationError for anything but approve/reject."""
    if decision not in DECISIONS:
        raise ValidationError({"decision": "Choose “approve” or “reject”."})
    return DECISIONS[decision]


def approval_refusal(user: User, sr: ServiceRequest, decision: str) -> str | None:
    """Why ``user`` may not take ``decision`` on ``sr`` now, or None when they may."""
    if sr.status != S.AWAITING_APPROVAL:
        return f"it is “{S(sr.status).label}”, no longer awaiting approval"
    if user.pk == sr.requester_id:
        return "you filed it: nobody approves their own request"
    if not can_transition(user, sr, decision_status(decision)):
        return "you are not its approver"
    return None


@transaction.atomic
def approval_decide(
    *, request: ServiceRequest, decision: str, actor: User, comment: str = "", expected_version: int | None = None
) -> ServiceRequest:
    """Approve or reject one request with an optional comment; the requester is notified by the lifecycle.

    Raises ValidationError (decision), InvalidTransition, StaleRequest or PermissionDenied (not the approver,
    or one's own request) exactly as request_transition does.
    """
    to = decision_status(decision)
    return request_transition(request=request, to=to, actor=actor, expected_version=expected_version, comment=comment)


# --- Reminders -----------------------------------------------------------------------------------------


def reminder_delay() -> dt.timedelta:
    return dt.timedelta(hours=getattr(settings, "STEWARD_APPROVAL_REMINDER_HOURS", 24))


def approvals_send_reminders(*, now: dt.datetime | None = None) -> int:
    """Remind the approvers of requests waiting longer than STEWARD_APPROVAL_REMINDER_HOURS; returns how many.

    A request waits from its creation (request_create moves it to awaiting approval at once, and nothing
    moves it back). Each request is claimed with a conditional update of approval_reminded_at, so two
    concurrent runs remind once per period; the reminders are queued in the outbox in the claim's
    transaction (keyed by the claim's time), and a worker sends them after commit.
    """
    now = now or timezone.now()
    cutoff = now - reminder_delay()
    due = ServiceRequest.objects.filter(status=S.AWAITING_APPROVAL, created_at__lte=cutoff).filter(
        Q(approval_reminded_at__isnull=True) | Q(approval_reminded_at__lte=cutoff)
    )
    reminded = 0
    for pk in due.values_list("pk", flat=True).iterator(chunk_size=500):
        with transaction.atomic():
            if due.filter(pk=pk).update(approval_reminded_at=now) != 1:
                continue  # another run claimed it, or it was decided meanwhile
            sr = ServiceRequest.objects.select_related("item", "requester__primary_team").get(pk=pk)
            _queue_reminder(sr, now=now)
            reminded += 1
    return reminded


def _queue_reminder(sr: ServiceRequest, *, now: dt.datetime) -> list[int]:
    approvers = approvers_for(sr)
    if not approvers:
        return []
    hours = int((now - sr.created_at).total_seconds() // 3600)
    url = site_url(sr.get_absolute_url())
    inbox = site_url(reverse("approvals:inbox"))
    body = render_to_string(
        "fulfillment/email/approval_reminder.txt", {"sr": sr, "url": url, "inbox": inbox, "hours": hours}
    )
    subject = f"[{sr.number}] Waiting for your approval: {sr.subject}"
    # One message per person: approvers never see each other's addresses.
    emails = [Email(to=person.email, subject=subject, body=body) for person in approvers]
    return notification_queue(event_key=f"fulfillment.approval-reminder:{sr.pk}:{now.isoformat()}", emails=emails)


__all__ = [
    "DECISIONS",
    "approval_decide",
    "approval_refusal",
    "approvals_send_reminders",
    "decision_status",
]
