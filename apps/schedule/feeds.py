"""What each iCalendar feed carries, its ETag, and the rendered feed cached under that ETag.

A feed is polled every few minutes by every subscribed client, and most polls find it unchanged: the ETag is
computed without reading the feed's changes. It hashes the feed's scope (its key and what decides its members: the
services, teams and pending approvals behind it), a stamp of every change and window (changes_stamp: one query of
index lookups), a mark that signals renew when a change is deleted or its services are edited directly, and today's
date, so that the 30-day horizon moves. Every write of a change moves the stamp, so an edit anywhere changes every
feed's ETag (and once more when it leaves changes_stamp's recent span): the feed is rendered again once, then
served from the cache under that ETag.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.accounts.models import User
from apps.catalog.models import Service
from apps.changes.approvals import pending_for
from apps.changes.choices import WindowKind
from apps.changes.models import Change, parse_number
from apps.changes.permissions import is_staff_role, team_ids
from apps.schedule import ical, stamps
from apps.schedule.selectors import CALLED_OFF, services_used_by, windows_for_feed

KEEP_CANCELLED = dt.timedelta(days=30)  # called-off changes and retired windows stay this long, as CANCELLED
HORIZON = dt.timedelta(days=366)  # how far ahead a feed reaches
CACHE_SECONDS = 600
MAX_PENDING = 500
ALL_KINDS = (WindowKind.FREEZE, WindowKind.MAINTENANCE)


@dataclass
class FeedScope:
    """One feed: its name, its changes (not yet bounded in time), its windows' scope and audience."""

    key: str
    name: str
    changes: QuerySet[Change]
    window_services: list[int] | None  # None: every window
    window_kinds: tuple[str, ...] = ALL_KINDS
    public: bool = False
    facts: tuple[Any, ...] = field(default=())  # what decides the feed's members besides the changes themselves


def mine(user: User) -> FeedScope:
    """Changes of the services the user's teams own, those they requested or must approve; their windows."""
    teams = team_ids(user)
    services = list(Service.objects.filter(owner_team_id__in=teams).values_list("pk", flat=True))
    pending = [parse_number(item.key) for item in pending_for(user, MAX_PENDING)]
    owned = Change.services.through.objects.filter(service_id__in=services).values("change_id")
    pending_ids = sorted(pk for pk in pending if pk)
    changes = Change.objects.visible_to(user).filter(Q(pk__in=owned) | Q(pk__in=pending_ids) | Q(requester_id=user.pk))
    facts = (sorted(teams), services, pending_ids, is_staff_role(user))
    return FeedScope(f"user:{user.pk}", f"Steward: changes for {user.username}", changes, services, facts=facts)


def for_service(user: User, service: Service) -> FeedScope:
    """One service's changes and windows, for members of its owner team and staff roles."""
    if service.owner_team_id not in team_ids(user) and not is_staff_role(user):
        raise PermissionDenied("Only the service's owner team subscribes to its feed.")
    through = Change.services.through.objects.filter(service_id=service.pk).values("change_id")
    changes = Change.objects.filter(pk__in=through)
    return FeedScope(f"service:{service.pk}", f"Steward: changes to {service.name}", changes, [service.pk])


def maintenance(user: User) -> FeedScope:
    """Planned maintenance of the services the user uses: maintenance windows and changes marked public."""
    services = list(services_used_by(user).values_list("pk", flat=True))
    through = Change.services.through.objects.filter(service_id__in=services).values("change_id")
    changes = Change.objects.filter(pk__in=through, visible_to_end_users=True)
    return FeedScope(
        f"maintenance:{user.pk}", "Steward: planned maintenance", changes, services, (WindowKind.MAINTENANCE,), True,
        facts=(services,),
    )  # fmt: skip


def _bounded(scope: FeedScope, now: dt.datetime) -> QuerySet[Change]:
    since = now - KEEP_CANCELLED
    live = Q(planned_end__gte=since) & ~Q(status__in=CALLED_OFF)
    called_off = Q(status__in=CALLED_OFF, updated_at__gte=since)
    return scope.changes.filter(live | called_off).filter(planned_start__lte=now + HORIZON)


@dataclass(frozen=True)
class Stamp:
    etag: str
    last_modified: dt.datetime | None


SCOPE_SECONDS = 300


def scope_tag(scope: FeedScope) -> str:
    """The feed's scope in the ETag: its key and what decides its members besides the changes themselves."""
    return hashlib.sha256(f"{scope.key}|{scope.public}|{scope.facts}".encode()).hexdigest()[:32]


def _tag_key(token_id: int, feed: str) -> str:
    return f"schedule:feed-scope:{token_id}:{feed}"


def remember_tag(token_id: int, feed: str, scope: FeedScope) -> str:
    """The scope's tag, kept SCOPE_SECONDS for the token's polls of this feed (remembered_tag)."""
    tag = scope_tag(scope)
    cache.set(_tag_key(token_id, feed), tag, SCOPE_SECONDS)
    return tag


def remembered_tag(token_id: int, feed: str) -> str | None:
    """The scope's tag as the token's last full answer of this feed built it (its permission checked then).

    A poll whose If-None-Match still matches is answered 304 from it without building the scope again: a 304 tells
    the client nothing it does not hold already, and whatever changes the feed's content moves the stamp, which
    sends the poll through the full path (scope and permission built afresh). Only the scope's facts (teams,
    pending approvals) may be up to SCOPE_SECONDS old on that path."""
    tag: str | None = cache.get(_tag_key(token_id, feed))
    return tag


def feed_stamp(tag: str, *, now: dt.datetime | None = None) -> Stamp:
    """The ETag and Last-Modified of the feed of scope ``tag`` as it would render now, without reading its changes."""
    now = now or timezone.now()
    return _feed_stamp(tag, stamps.calendar_stamp(now=now), now)


def feed_stamp_checking(tag: str, token_id: int, *, now: dt.datetime | None = None) -> Stamp | None:
    """feed_stamp, in the same query as the check that feed token ``token_id`` is still live (its user active);
    None when it is not."""
    now = now or timezone.now()
    stamp, live = stamps.calendar_stamp_checking(token_id, now=now)
    return _feed_stamp(tag, stamp, now) if live else None


def _feed_stamp(tag: str, stamp: stamps.CalendarStamp, now: dt.datetime) -> Stamp:
    raw = "|".join(str(part) for part in (tag, *stamp, now.date()))
    last = max((t for t in (stamp.changes_last, stamp.windows_last) if t is not None), default=None)
    return Stamp(hashlib.sha256(raw.encode()).hexdigest()[:32], last)


def _feed_changes(changes: QuerySet[Change]) -> list[ical.FeedChange]:
    fields = (
        "id", "title", "public_title", "status", "tier", "planned_start", "planned_end", "version", "updated_at",
        "environment__name",
    )  # fmt: skip
    rows = list(changes.order_by("planned_start", "id").values_list(*fields))
    names: dict[int, list[str]] = {}
    links = Change.services.through.objects.filter(change_id__in=[row[0] for row in rows]).order_by("service__name")
    for change_id, name in links.values_list("change_id", "service__name"):
        names.setdefault(change_id, []).append(name)
    return [
        ical.FeedChange(pk, title, public, status, tier, start, end, version, updated, env, tuple(names.get(pk, ())))
        for pk, title, public, status, tier, start, end, version, updated, env in rows
    ]


def feed_body(scope: FeedScope, stamp: Stamp, *, base_url: str, now: dt.datetime | None = None) -> bytes:
    """The rendered feed, from the cache when this ETag was rendered before."""
    key = f"schedule:feed:{stamp.etag}:{hashlib.sha256(base_url.encode()).hexdigest()[:8]}"
    body: bytes | None = cache.get(key)
    if body is None:
        now = now or timezone.now()
        windows = windows_for_feed(
            service_ids=scope.window_services, kinds=scope.window_kinds, since=now - KEEP_CANCELLED
        )
        changes = _feed_changes(_bounded(scope, now))
        body = ical.render_feed(
            name=scope.name, changes=changes, windows=windows, public=scope.public, base_url=base_url
        )
        cache.set(key, body, CACHE_SECONDS)
    return body
