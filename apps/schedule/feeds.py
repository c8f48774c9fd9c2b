"""What each iCalendar feed carries, its ETag, and the rendered feed cached under that ETag.

A feed is polled every few minutes by every subscribed client. The ETag is computed from a few aggregates (count,
latest update and sum of versions of the feed's changes, the same of all windows, today's date so that the 30-day
horizon moves): an unchanged feed answers 304 after those queries, and a changed one is rendered once per ETag.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone

from apps.accounts.models import User
from apps.catalog.models import Service
from apps.changes.approvals import pending_for
from apps.changes.choices import WindowKind
from apps.changes.models import Change, parse_number
from apps.changes.permissions import is_staff_role, team_ids
from apps.schedule import ical
from apps.schedule.selectors import CALLED_OFF, feed_window_stamp, services_used_by, windows_for_feed

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


def mine(user: User) -> FeedScope:
    """Changes of the services the user's teams own, those they requested or must approve; their windows."""
    teams = team_ids(user)
    services = list(Service.objects.filter(owner_team_id__in=teams).values_list("pk", flat=True))
    pending = [parse_number(item.key) for item in pending_for(user, MAX_PENDING)]
    owned = Change.services.through.objects.filter(service_id__in=services).values("change_id")
    changes = Change.objects.visible_to(user).filter(
        Q(pk__in=owned) | Q(pk__in=[pk for pk in pending if pk]) | Q(requester_id=user.pk)
    )
    return FeedScope(f"user:{user.pk}", f"Steward: changes for {user.username}", changes, services)


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
        f"maintenance:{user.pk}", "Steward: planned maintenance", changes, services, (WindowKind.MAINTENANCE,), True
    )


def _bounded(scope: FeedScope, now: dt.datetime) -> QuerySet[Change]:
    since = now - KEEP_CANCELLED
    live = Q(planned_end__gte=since) & ~Q(status__in=CALLED_OFF)
    called_off = Q(status__in=CALLED_OFF, updated_at__gte=since)
    return scope.changes.filter(live | called_off).filter(planned_start__lte=now + HORIZON)


@dataclass(frozen=True)
class Stamp:
    etag: str
    last_modified: dt.datetime | None


def feed_stamp(scope: FeedScope, *, now: dt.datetime | None = None) -> Stamp:
    """The ETag and Last-Modified of the feed as it would render now."""
    now = now or timezone.now()
    agg = _bounded(scope, now).aggregate(n=Count("id"), last=Max("updated_at"), v=Sum("version"))
    windows_n, windows_last = feed_window_stamp()
    raw = f"{scope.key}|{scope.public}|{agg['n']}|{agg['last']}|{agg['v']}|{windows_n}|{windows_last}|{now.date()}"
    last = max((t for t in (agg["last"], windows_last) if t is not None), default=None)
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
