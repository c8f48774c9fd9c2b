"""Reads of service requests: the scoped querysets every list starts from, and the timeline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from apps.core.models import AuditEvent
from apps.core.selectors import audit_events_for
from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.models import Attachment, Comment, ServiceRequest

LIST_RELATED = ("item", "team", "requester__primary_team", "requested_for", "assignee")


def request_queryset_for(user: Any) -> QuerySet[ServiceRequest]:
    """Every request ``user`` may see, with what lists and permission checks read (constant queries)."""
    return ServiceRequest.objects.visible_to(user).select_related(*LIST_RELATED)


def request_mine_queryset(user: Any) -> QuerySet[ServiceRequest]:
    """ "My requests": filed by, requested for or watched by ``user`` (agents' queues are elsewhere)."""
    watched = ServiceRequest.watchers.through.objects.filter(user_id=user.pk).values("servicerequest_id")
    mine = Q(requester=user) | Q(requested_for=user) | Q(pk__in=watched)
    return ServiceRequest.objects.filter(mine).select_related(*LIST_RELATED)


def request_detail_get(sr: ServiceRequest) -> ServiceRequest:
    """``sr`` with its watchers and attachments loaded for the request page."""
    related = [
        Prefetch("watchers"),
        Prefetch("attachments", queryset=Attachment.objects.select_related("uploaded_by")),
    ]
    return (
        ServiceRequest.objects.select_related(*LIST_RELATED, "form_version", "item__approval_team")
        .prefetch_related(*related)
        .get(pk=sr.pk)
    )


def comments_for(sr: ServiceRequest, *, include_internal: bool) -> QuerySet[Comment]:
    qs = Comment.objects.filter(request=sr).select_related("author")
    return qs if include_internal else qs.filter(is_internal=False)


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a request's activity: an audit event or a comment."""

    at: dt.datetime
    actor: Any
    text: str
    comment: Comment | None = None
    note: str = ""


def _status_label(value: Any) -> str:
    return str(RequestStatus(value).label) if value in RequestStatus.values else str(value)


def describe_event(event: AuditEvent) -> str:
    """A sentence for one audit event of a request, as the timeline shows it."""
    d = event.data
    texts = {
        "created": "filed the request",
        "status_changed": f"changed the status from {_status_label(d.get('from'))} to {_status_label(d.get('to'))}",
        "watcher_added": f"added {d.get('username')} as a watcher",
        "watcher_removed": f"removed {d.get('username')} from the watchers",
        "attachment_added": f"attached {d.get('filename')}",
        "priority_changed": f"changed the priority from {d.get('from')} to {d.get('to')}",
        "assigned": f"assigned the request to {d.get('to') or 'nobody'}",
        "sla_escalated": "escalated the request: it passed its due time",
    }
    return texts.get(event.verb, event.verb.replace("_", " "))


def request_timeline(sr: ServiceRequest, *, include_internal: bool) -> list[TimelineEntry]:
    """Audit events merged with the comments the reader may see, oldest first."""
    entries = [
        TimelineEntry(at=e.created_at, actor=e.actor, text=describe_event(e), note=str(e.data.get("comment") or ""))
        for e in audit_events_for(sr).exclude(verb="commented")
    ]
    entries += [
        TimelineEntry(
            at=c.created_at, actor=c.author, text="added an internal note" if c.is_internal else "commented", comment=c
        )
        for c in comments_for(sr, include_internal=include_internal)
    ]
    return sorted(entries, key=lambda entry: entry.at)
