"""Reads of service requests: the scoped querysets every list starts from, and the timeline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    BooleanField,
    Exists,
    F,
    IntegerField,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
)

from apps.accounts.models import Membership, User
from apps.core.models import AuditEvent
from apps.core.precompiled import Precompiled
from apps.core.selectors import audit_events_for
from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.models import Comment, ServiceRequest

LIST_RELATED = ("item", "team", "requester__primary_team", "requested_for", "assignee")


def request_queryset_for(user: User | AnonymousUser) -> QuerySet[ServiceRequest]:
    """Every request ``user`` may see, with what lists and permission checks read (constant queries)."""
    return ServiceRequest.objects.visible_to(user).select_related(*LIST_RELATED)


def request_mine_queryset(user: User) -> QuerySet[ServiceRequest]:
    """ "My requests": filed by, requested for or watched by ``user`` (agents' queues are elsewhere)."""
    watched = ServiceRequest.watchers.through.objects.filter(user_id=user.pk).values("servicerequest_id")
    mine = Q(requester=user) | Q(requested_for=user) | Q(pk__in=watched)
    return ServiceRequest.objects.filter(mine).select_related(*LIST_RELATED)


# What the request page reads with the request itself. requested_for and assignee come with the watchers
# (request_people_load): two joins fewer keep PostgreSQL's planning of this query at about half.
DETAIL_RELATED = ("item", "team", "requester__primary_team", "form_version")


def _with_detail(queryset: QuerySet[ServiceRequest]) -> QuerySet[ServiceRequest]:
    """The request page's request: its item, team, requester, form version and attachments (one row: no sort)."""
    return queryset.select_related(*DETAIL_RELATED).prefetch_related("attachments").order_by()


def _people_build(
    key: None, *, request_id: int, requested_for_id: int | None, assignee_id: int | None
) -> QuerySet[Any]:
    watching = ServiceRequest.watchers.through.objects.filter(servicerequest_id=request_id, user_id=OuterRef("pk"))
    others = [pk for pk in (requested_for_id, assignee_id) if pk is not None]
    users = get_user_model().objects.filter(Q(pk__in=others) | Q(Exists(watching)))
    return users.annotate(is_watching=Exists(watching))


_PEOPLE = Precompiled(_people_build)


def request_people_load(sr: ServiceRequest) -> list[Any]:
    """``sr``'s watchers, read in one query with its requested-for user and assignee (set on ``sr``)."""
    people = list(_PEOPLE(None, request_id=sr.pk, requested_for_id=sr.requested_for_id, assignee_id=sr.assignee_id))
    by_pk = {person.pk: person for person in people}
    if sr.requested_for_id in by_pk:
        sr.requested_for = by_pk[sr.requested_for_id]
    if sr.assignee_id in by_pk:
        sr.assignee = by_pk[sr.assignee_id]
    return [person for person in people if person.is_watching]


def request_detail_queryset_for(user: User | AnonymousUser) -> QuerySet[ServiceRequest]:
    """The requests ``user`` may see (as ``request_queryset_for``) with the request page's data and whether
    ``user`` belongs to the request's team and approval team (read by apps.fulfillment.permissions through
    ``viewer_teams``), all in one query."""
    if not isinstance(user, User):  # anonymous: nothing to show, and no membership to look up
        return ServiceRequest.objects.none()
    memberships = Membership.objects.filter(user_id=user.pk)
    return _with_detail(ServiceRequest.objects.visible_to(user)).annotate(
        _viewer_id=Value(user.pk, output_field=IntegerField()),
        _viewer_in_team=Exists(memberships.filter(team_id=OuterRef("team_id"))),
        _viewer_in_approval_team=Exists(memberships.filter(team_id=OuterRef("item__approval_team_id"))),
    )


def _detail_build(key: tuple[bool, bool, frozenset[str]], *, viewer_id: int, request_id: int) -> QuerySet[Any]:
    is_active, is_superuser, permissions = key
    viewer = User(pk=viewer_id, is_active=is_active, is_superuser=is_superuser)
    vars(viewer)["_perm_cache"] = set(permissions)  # ModelBackend's cache, which has_perm reads: no query
    return request_detail_queryset_for(viewer).filter(pk=request_id)


_DETAIL = Precompiled(_detail_build)


def request_detail_get_for(user: User | AnonymousUser, pk: int) -> ServiceRequest | None:
    """``request_detail_queryset_for(user)``'s request ``pk``, or None; the SQL is compiled once per shape of
    ``visible_to``: what it reads of the user besides the id, its flags and its permissions (the key)."""
    if not isinstance(user, User):
        return None
    permissions = frozenset() if user.is_superuser else frozenset(user.get_all_permissions())
    rows = list(_DETAIL((user.is_active, user.is_superuser, permissions), viewer_id=user.pk, request_id=pk))
    return rows[0] if rows else None


def viewer_teams(sr: ServiceRequest, user: User | AnonymousUser) -> dict[int, bool] | None:
    """``{team_id: member?}`` for ``sr``'s team and approval team, when ``sr`` came from
    ``request_detail_queryset_for(user)`` for this same user; else None (the caller reads the memberships)."""
    loaded = sr.__dict__
    if user.pk is None or loaded.get("_viewer_id") != user.pk:
        return None
    teams = {sr.team_id: loaded["_viewer_in_team"]}
    if sr.item.approval_team_id is not None:
        teams[sr.item.approval_team_id] = loaded["_viewer_in_approval_team"]
    return teams


def request_detail_get(sr: ServiceRequest) -> ServiceRequest:
    """``sr`` read again with what the request page shows (its watchers, requested-for user and assignee:
    ``request_people_load``)."""
    return _with_detail(ServiceRequest.objects.all()).get(pk=sr.pk)


def comments_for(sr: ServiceRequest, *, include_internal: bool) -> QuerySet[Comment]:
    qs = Comment.objects.filter(request=sr).select_related("author")
    return qs if include_internal else qs.filter(is_internal=False)


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a request's activity: an audit event or a comment."""

    at: dt.datetime
    actor: User | None
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
        # Display names recorded with the event (older events have only the username).
        "watcher_added": f"added {d.get('name') or d.get('username')} as a watcher",
        "watcher_removed": f"removed {d.get('name') or d.get('username')} from the watchers",
        "attachment_added": f"attached {d.get('filename')}",
        "priority_changed": f"changed the priority from {d.get('from')} to {d.get('to')}",
        "assigned": f"assigned the request to {d.get('to_name') or d.get('to') or 'nobody'}",
        "sla_escalated": "escalated the request: it passed its due time",
    }
    return texts.get(event.verb, event.verb.replace("_", " "))


# The timeline's one query: audit events UNION comments, with the same columns (and their actor's name).
_ACTOR_FIELDS = ("id", "username", "first_name", "last_name")  # what User.__str__ reads; the rest is deferred
_TIMELINE_COLUMNS = (
    "t_kind",
    "t_id",
    "t_at",
    "t_verb",
    "t_data",
    "t_body",
    "t_internal",
    *(f"t_actor_{f}" for f in _ACTOR_FIELDS),
)


def _timeline_rows(qs: QuerySet[Any], *, kind: int, actor: str, **columns: Any) -> QuerySet[Any]:
    actor_columns = {f"t_actor_{f}": F(f"{actor}__{f}") for f in _ACTOR_FIELDS}
    rows: QuerySet[Any] = (
        qs.order_by()
        .annotate(t_kind=Value(kind), t_id=F("id"), t_at=F("created_at"), **columns, **actor_columns)
        .values_list(*_TIMELINE_COLUMNS)
    )
    return rows


def _user(cache: dict[int, Any], values: tuple[Any, ...]) -> Any:
    """A User with the fields of __str__ loaded (others load on access), one object per user."""
    if values[0] is None:
        return None
    if values[0] not in cache:
        cache[values[0]] = get_user_model().from_db(None, list(_ACTOR_FIELDS), list(values))
    return cache[values[0]]


def _timeline_build(include_internal: bool, *, request_id: int) -> QuerySet[Any]:
    sr = ServiceRequest(pk=request_id)
    events = _timeline_rows(
        audit_events_for(sr).exclude(verb="commented"),
        kind=0,
        actor="actor",
        t_verb=F("verb"),
        t_data=F("data"),
        t_body=Value("", output_field=TextField()),
        t_internal=Value(False, output_field=BooleanField()),
    )
    comments = _timeline_rows(
        comments_for(sr, include_internal=include_internal),
        kind=1,
        actor="author",
        t_verb=Value("", output_field=TextField()),
        t_data=Value(None, output_field=JSONField()),
        t_body=F("body"),
        t_internal=F("is_internal"),
    )
    return events.union(comments, all=True)


_TIMELINE = Precompiled(_timeline_build)


def request_timeline(sr: ServiceRequest, *, include_internal: bool) -> list[TimelineEntry]:
    """Audit events merged with the comments the reader may see, oldest first (one query whatever their number)."""
    rows = _TIMELINE(include_internal, request_id=sr.pk)
    users: dict[int, Any] = {}
    entries = []
    # Events before comments at the same instant, each in its own order (created_at, id), as before.
    for kind, pk, at, verb, data, body, internal, *actor_values in sorted(
        rows, key=lambda row: (row[2], row[0], row[1])
    ):
        actor = _user(users, tuple(actor_values))
        if kind == 0:
            event = AuditEvent(id=pk, target_type="", target_id=str(sr.pk), verb=verb, data=data or {}, created_at=at)
            event.actor = actor
            entries.append(
                TimelineEntry(at=at, actor=actor, text=describe_event(event), note=str(event.data.get("comment") or ""))
            )
        else:
            comment = Comment(id=pk, request=sr, body=body, is_internal=internal, created_at=at)
            comment.author = actor
            text = "added an internal note" if internal else "commented"
            entries.append(TimelineEntry(at=at, actor=actor, text=text, comment=comment))
    return entries
