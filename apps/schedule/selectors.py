"""Reads of the change calendar: events of a range, conflicts, windows drawn, forward schedule, CAB agenda.

Every list here reads a fixed number of queries whatever the number of rows: changes come as ``values()`` rows
(a month may hold ten thousand), their services in one more query, conflicts in one.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from apps.accounts.models import User
from apps.catalog.models import Service
from apps.changes.choices import EDITABLE_STATUSES, ChangeStatus, Tier, WindowKind
from apps.changes.models import Change, Window, format_number
from apps.changes.permissions import is_change_manager, team_ids
from apps.changes.windows import WindowSpec, window_specs

S = ChangeStatus
# Changes that still mean to run: what collides with what on the calendar (drafts have no agreed window yet).
CONFLICT_STATUSES = frozenset({S.ASSESSING, S.AWAITING_APPROVAL, S.APPROVED, S.IN_PROGRESS})
# Changes that will not run: struck through on the calendar, STATUS:CANCELLED in feeds.
CALLED_OFF = frozenset({S.CANCELLED, S.REJECTED})
MAX_RANGE = dt.timedelta(days=100)
ROW_FIELDS = (
    "id", "title", "status", "tier", "type", "planned_start", "planned_end", "environment_id",
    "environment__name", "requester_id", "version",
)  # fmt: skip


@dataclass
class CalendarChange:
    """One change as the calendar, the forward schedule and the feeds show it."""

    pk: int
    title: str
    status: str
    tier: str
    type: str
    start: dt.datetime
    end: dt.datetime
    environment_id: int
    environment: str
    requester_id: int
    version: int
    services: list[tuple[int, str, int]] = field(default_factory=list)  # (id, name, owner team id)
    conflict: bool = False

    @property
    def number(self) -> str:
        return format_number(self.pk)

    @property
    def status_label(self) -> str:
        return str(S(self.status).label) if self.status in S.values else self.status

    @property
    def tier_label(self) -> str:
        return str(Tier(self.tier).label) if self.tier in Tier.values else "Unscored"

    @property
    def service_names(self) -> str:
        return ", ".join(name for _, name, _ in self.services)


def _rows(queryset: QuerySet[Change]) -> list[CalendarChange]:
    rows = queryset.order_by("planned_start", "id").values_list(*ROW_FIELDS)
    changes = [CalendarChange(*row) for row in rows]
    by_id = {change.pk: change for change in changes}
    if by_id:
        links = Change.services.through.objects.filter(change_id__in=list(by_id)).order_by("service__name")
        for change_id, service_id, name, team_id in links.values_list(
            "change_id", "service_id", "service__name", "service__owner_team_id"
        ):
            by_id[change_id].services.append((service_id, name, team_id))
    return changes


def conflicting_ids(start: dt.datetime, end: dt.datetime) -> set[int]:
    """Changes meant to run that overlap another on a shared service in the same environment, within the range.

    One query for every change of the range (visible to the caller or not: a collision is a collision), then a
    sweep per (environment, service) ordered by start: a change starting before the latest end seen so far
    collides with the change holding that end.
    """
    links = Change.services.through.objects.filter(
        change__status__in=CONFLICT_STATUSES, change__planned_start__lt=end, change__planned_end__gt=start
    ).values_list("change_id", "service_id", "change__environment_id", "change__planned_start", "change__planned_end")
    lanes: dict[tuple[int, int], list[tuple[dt.datetime, dt.datetime, int]]] = defaultdict(list)
    for change_id, service_id, environment_id, begins, ends in links:
        lanes[(environment_id, service_id)].append((begins, ends, change_id))
    found: set[int] = set()
    for lane in lanes.values():
        lane.sort()
        holder: tuple[dt.datetime, int] | None = None  # (latest end so far, its change)
        for begins, ends, change_id in lane:
            if holder is not None and begins < holder[0]:
                found.update((change_id, holder[1]))
            if holder is None or ends > holder[0]:
                holder = (ends, change_id)
    return found


def calendar_changes(queryset: QuerySet[Change], start: dt.datetime, end: dt.datetime) -> list[CalendarChange]:
    """The changes of ``queryset`` (already scoped and filtered) overlapping [start, end), conflicts flagged."""
    changes = _rows(queryset.filter(planned_start__lt=end, planned_end__gt=start))
    if changes:
        clashing = conflicting_ids(start, end)
        for change in changes:
            change.conflict = change.pk in clashing
    return changes


@dataclass(frozen=True)
class Editor:
    """What the "may this person edit the change" hint reads of the viewer, once per list.

    The hint only decides whether the calendar lets a change be dragged: apps.changes.services.change_update checks
    apps.changes.permissions.can_edit_change again on every move, so a drift can only show a drag that is refused.
    """

    pk: int
    person: bool
    manager: bool
    teams: frozenset[int]

    @classmethod
    def of(cls, user: User) -> Editor:
        return cls(user.pk, not user.is_service_account, is_change_manager(user), team_ids(user))

    def may_edit(self, change: CalendarChange) -> bool:
        if change.status not in EDITABLE_STATUSES:
            return False
        if change.requester_id == self.pk and self.person:
            return True
        return self.manager or any(team in self.teams for _, _, team in change.services)


@dataclass(frozen=True)
class WindowOccurrence:
    spec: WindowSpec
    start: dt.datetime
    end: dt.datetime

    def local(self) -> str:
        """The occurrence in the window's own zone, as its author wrote it."""
        zone = zoneinfo.ZoneInfo(self.spec.tz)
        begins, ends = self.start.astimezone(zone), self.end.astimezone(zone)
        return f"{begins:%a %d %b %H:%M} – {ends:%a %d %b %H:%M} {begins:%Z} ({self.spec.tz})"


def window_occurrences(
    start: dt.datetime,
    end: dt.datetime,
    *,
    service_ids: Iterable[int] | None = None,
    environment_id: int | None = None,
    kinds: Sequence[str] = (WindowKind.FREEZE, WindowKind.MAINTENANCE),
    specs: Iterable[WindowSpec] | None = None,
) -> list[WindowOccurrence]:
    """Occurrences of active windows in [start, end), recurring ones expanded; narrowed to a scope when given."""
    wanted = frozenset(service_ids) if service_ids is not None else None
    found = []
    for spec in window_specs() if specs is None else specs:
        if spec.kind not in kinds:
            continue
        if environment_id is not None and spec.environment_ids and environment_id not in spec.environment_ids:
            continue
        if wanted is not None and not spec.all_services and spec.service_ids.isdisjoint(wanted):
            continue
        found += [WindowOccurrence(spec, s, e) for s, e in spec.occurrences(start, end)]
    return sorted(found, key=lambda o: (o.start, o.spec.id))


def forward_schedule(queryset: QuerySet[Change], *, days: int, now: dt.datetime | None = None) -> list[CalendarChange]:
    """Changes planned to start in the next ``days`` days that may still run, in order, conflicts flagged."""
    now = now or timezone.now()
    end = now + dt.timedelta(days=days)
    planned = queryset.filter(planned_start__gte=now, planned_start__lt=end).exclude(status__in=CALLED_OFF)
    changes = _rows(planned)
    if changes:
        clashing = conflicting_ids(now, max(c.end for c in changes))
        for change in changes:
            change.conflict = change.pk in clashing
    return changes


def group_by_day(changes: Iterable[CalendarChange]) -> list[tuple[dt.date, list[CalendarChange]]]:
    """(day, changes) in the current time zone, days in order."""
    days: dict[dt.date, list[CalendarChange]] = {}
    for change in changes:
        days.setdefault(timezone.localtime(change.start).date(), []).append(change)
    return list(days.items())


def cab_agenda(queryset: QuerySet[Change]) -> QuerySet[Change]:
    """High-risk changes waiting for approval, oldest first (since they were scored), with what CAB reads."""
    return (
        queryset.filter(status=S.AWAITING_APPROVAL, tier=Tier.HIGH)
        .prefetch_related("services")
        .order_by("scored_at", "created_at", "id")
    )


def services_used_by(user: User) -> QuerySet[Service]:
    """Services of the catalog items ``user`` filed requests for (or had filed for them).

    Read through catalog's reverse relations (items -> requests), so schedule needs no import of fulfillment.
    """
    used = Q(items__requests__requester_id=user.pk) | Q(items__requests__requested_for_id=user.pk)
    return Service.objects.filter(pk__in=Service.objects.filter(used).values("pk")).order_by("name")


def maintenance_changes(service_ids: Iterable[int], start: dt.datetime, end: dt.datetime) -> QuerySet[Change]:
    """Changes marked visible to end users on those services, overlapping [start, end), that may still run."""
    through = Change.services.through.objects.filter(service_id__in=list(service_ids)).values("change_id")
    return (
        Change.objects.filter(pk__in=through, visible_to_end_users=True, planned_start__lt=end, planned_end__gt=start)
        .exclude(status__in=CALLED_OFF)
        .prefetch_related("services")
        .order_by("planned_start", "id")
    )


def windows_for_feed(*, service_ids: Iterable[int] | None, kinds: Sequence[str], since: dt.datetime) -> list[Window]:
    """Windows a feed carries: active ones of the scope, and retired ones edited since ``since`` (as cancelled)."""
    windows = Window.objects.filter(kind__in=list(kinds)).filter(Q(is_active=True) | Q(updated_at__gte=since))
    if service_ids is not None:
        windows = windows.filter(Q(all_services=True) | Q(services__in=list(service_ids))).distinct()
    return list(windows.prefetch_related("services").order_by("starts_at", "id"))


def feed_window_stamp() -> tuple[Any, ...]:
    """What changes whenever a window is added, edited or deleted: part of every feed's ETag."""
    stamp = Window.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    return stamp["n"], stamp["last"]
