"""The emails about a service request's events, queued in the event's transaction (apps.core's outbox sends them).

The bottom of the services package: it imports no other service module, so every one of them may use it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from apps.accounts.models import User
from apps.core.links import site_url
from apps.core.models import AuditEvent
from apps.core.notifications import Email, notification_queue
from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.models import Comment, ServiceRequest

S = RequestStatus


def _recipients(sr: ServiceRequest, *, exclude_id: int | None) -> list[User]:
    people = [sr.requester, sr.requested_for, *sr.watchers.all()]
    seen: dict[int, User] = {}
    for person in people:
        if person is not None and person.pk != exclude_id and person.is_active and person.email:
            seen.setdefault(person.pk, person)
    return list(seen.values())


def _queue(
    sr: ServiceRequest, *, event_key: str, exclude_id: int | None, subject: str, template: str, context: dict[str, Any]
) -> list[int]:
    """One outbox row per follower of ``sr`` but ``exclude_id``, rendered now: the mail tells the event as it was."""
    if not settings.STEWARD_SEND_NOTIFICATIONS:
        return []  # seed_demo: not even rendered
    recipients = _recipients(sr, exclude_id=exclude_id)
    if not recipients:
        return []
    url = site_url(sr.get_absolute_url())
    body = render_to_string(template, {**context, "sr": sr, "url": url})
    # One message per person: recipients never see each other's addresses.
    return notification_queue(
        event_key=event_key, emails=[Email(to=person.email, subject=subject, body=body) for person in recipients]
    )


def notify_status(event: AuditEvent, sr: ServiceRequest | None = None) -> list[int]:
    """Queue the email about one status event (creation or transition) for the people following the request."""
    if event.target_type != ServiceRequest._meta.label_lower:
        return []
    if sr is None:
        sr = (
            ServiceRequest.objects.select_related("requester", "requested_for", "item")
            .filter(pk=event.target_id)
            .first()
        )
        if sr is None:
            return []
    if event.verb == "created":
        subject = f"[{sr.number}] New request: {sr.subject}"
    else:
        subject = f"[{sr.number}] {_label(event.data['to'])}: {sr.subject}"
    context = {"event": event, "from": _label(event.data.get("from")), "to": _label(event.data.get("to"))}
    return _queue(
        sr,
        event_key=f"fulfillment.status:{event.pk}",
        exclude_id=event.actor_id,
        subject=subject,
        template="fulfillment/email/status.txt",
        context=context,
    )


def notify_comment(comment: Comment) -> list[int]:
    """Queue the email about one public comment for the people following the request but its author."""
    if comment.is_internal:
        return []
    sr = comment.request
    return _queue(
        sr,
        event_key=f"fulfillment.comment:{comment.pk}",
        exclude_id=comment.author_id,
        subject=f"[{sr.number}] New comment: {sr.subject}",
        template="fulfillment/email/comment.txt",
        context={"comment": comment},
    )


def _label(status: object) -> str:
    return str(S(status).label) if status in S.values else ""
