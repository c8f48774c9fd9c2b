"""Freeze and maintenance windows: recurrence expansion, lookup per service and environment, cache.

A window's first occurrence is stored as two instants; a recurrence (RFC 5545 RRULE, expanded with
dateutil) repeats their *wall-clock* times in the window's time zone, so "Friday 16:00 to Monday 07:00
Europe/Amsterdam" covers the same local hours in summer and winter. Intervals are half-open: a change
ending exactly when a freeze starts does not meet it.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from dateutil.rrule import DAILY, rrule, rrulestr
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import DateTimeField, F, Func, IntegerField, QuerySet, Subquery

from apps.changes.choices import WindowKind
from apps.changes.models import Window
from apps.core.precompiled import Precompiled

UTC = dt.UTC
MARGIN = dt.timedelta(days=1)
CACHE_SECONDS = 300
Interval = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class WindowSpec:
    """A window as plain data: what the gate caches and checks changes against."""

    id: int
    kind: str
    title: str
    reason: str
    all_services: bool
    service_ids: frozenset[int]
    environment_ids: frozenset[int]
    tz: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    rrule: str = ""

    def applies_to(self, service_ids: Iterable[int], environment_id: int) -> bool:
        """Whether the window covers the environment and at least one of the services."""
        if self.environment_ids and environment_id not in self.environment_ids:
            return False
        return self.all_services or not self.service_ids.isdisjoint(service_ids)

    def occurrences(self, start: dt.datetime, end: dt.datetime) -> Iterator[Interval]:
        """The occurrences (UTC) that overlap [start, end)."""
        if not self.rrule:
            if self.starts_at < end and self.ends_at > start:
                yield self.starts_at.astimezone(UTC), self.ends_at.astimezone(UTC)
            return
        zone = zoneinfo.ZoneInfo(self.tz)
        local_start = self.starts_at.astimezone(zone).replace(tzinfo=None)
        length = self.ends_at.astimezone(zone).replace(tzinfo=None) - local_start  # wall-clock length
        rule = parse_rrule(self.rrule, local_start)
        lo = start.astimezone(zone).replace(tzinfo=None) - length - MARGIN
        hi = end.astimezone(zone).replace(tzinfo=None) + MARGIN
        for occurrence in rule.between(lo, hi, inc=True):
            begins = occurrence.replace(tzinfo=zone).astimezone(UTC)
            ends = (occurrence + length).replace(tzinfo=zone).astimezone(UTC)
            if begins < end and ends > start:
                yield begins, ends

    def meets(self, start: dt.datetime, end: dt.datetime) -> Interval | None:
        """The first occurrence overlapping [start, end), or None."""
        return next(self.occurrences(start, end), None)

    def contains(self, start: dt.datetime, end: dt.datetime) -> bool:
        """Whether one occurrence covers all of [start, end)."""
        return any(s <= start and e >= end for s, e in self.occurrences(start, end))


def parse_rrule(text: str, dtstart: dt.datetime) -> rrule:
    """The recurrence of ``text`` from ``dtstart`` (naive local time); ValueError when it is not one we run."""
    parsed = rrulestr(text, dtstart=dtstart, forceset=False)
    if not isinstance(parsed, rrule):
        raise ValueError("Give one RRULE (no RDATE, EXDATE or several rules).")
    # The gate expands recurrences on every call from their start: sub-daily ones would cost too much.
    # dateutil numbers YEARLY 0 ... SECONDLY 6; no public accessor
    if parsed._freq > DAILY:  # type: ignore[attr-defined]  # private, not in types-python-dateutil
        raise ValueError("A recurrence repeats at most daily (FREQ=DAILY, WEEKLY, MONTHLY or YEARLY).")
    return parsed


def rrule_check(text: str) -> str:
    """``text`` normalised (no ``RRULE:`` prefix) if it is a recurrence windows accept; else ValidationError."""
    text = (text or "").strip().removeprefix("RRULE:").strip()
    if not text:
        return ""
    if len(text) > 500 or "DTSTART" in text.upper():
        raise ValidationError({"rrule": "Give only the RRULE part (FREQ=...;...), at most 500 characters."})
    try:
        parse_rrule(text, dt.datetime(2000, 1, 1))
    except (ValueError, TypeError) as exc:
        hint = " Write UNTIL in the window's local time, without a trailing Z." if "UNTIL" in text.upper() else ""
        raise ValidationError({"rrule": f"Not a recurrence rule: {exc}.{hint}"}) from exc
    return text


def _spec(window: Window) -> WindowSpec:
    return WindowSpec(
        id=window.pk,
        kind=window.kind,
        title=window.title,
        reason=window.reason,
        all_services=window.all_services,
        service_ids=frozenset(s.pk for s in window.services.all()),
        environment_ids=frozenset(e.pk for e in window.environments.all()),
        tz=window.timezone,
        starts_at=window.starts_at,
        ends_at=window.ends_at,
        rrule=window.rrule,
    )


def _count() -> Func:
    return Func(F("pk"), function="COUNT", output_field=IntegerField())  # a whole-table aggregate: no GROUP BY


def _last() -> Func:
    return Func(F("updated_at"), function="MAX", output_field=DateTimeField())


def window_stamp_annotations() -> dict[str, Subquery]:
    """The windows' stamp (how many, last edit) as two scalar subqueries a read of something else can carry, so
    that a hot path (the gate) gets it without a query of its own: ``window_specs(stamp=(n, last))``."""
    windows = Window.objects.order_by()
    return {
        "windows_count": Subquery(windows.annotate(n=_count()).values("n")),
        "windows_last": Subquery(windows.annotate(last=_last()).values("last")),
    }


def _stamp_build(key: None) -> QuerySet[Any]:
    return Window.objects.order_by().annotate(n=_count(), last=_last()).values_list("n", "last")


_STAMP = Precompiled(_stamp_build)  # read by every score: compiled once (apps.core.precompiled)


def window_specs(stamp: tuple[int, dt.datetime | None] | None = None) -> list[WindowSpec]:
    """Every active window, cached under a key the database gives: any edit, addition or deletion changes it.

    One aggregate query per call unless the caller read the ``stamp`` already (window_stamp_annotations); a
    process-local cache stays correct across processes this way.
    """
    if stamp is None:
        stamp = next(iter(_STAMP(None)))
    count, last = stamp
    key = f"changes:windows:{count}:{last.isoformat() if last else '-'}"
    specs: list[WindowSpec] | None = cache.get(key)
    if specs is None:
        windows = Window.objects.filter(is_active=True).prefetch_related("services", "environments")
        specs = [_spec(window) for window in windows]
        cache.set(key, specs, CACHE_SECONDS)
    return specs


def windows_meeting(
    specs: Iterable[WindowSpec],
    *,
    kind: str,
    service_ids: Iterable[int],
    environment_id: int,
    start: dt.datetime,
    end: dt.datetime,
) -> list[tuple[WindowSpec, Interval]]:
    """The windows of ``kind`` covering the scope that overlap [start, end), with the occurrence met."""
    ids = frozenset(service_ids)
    found = []
    for spec in specs:
        if spec.kind == kind and spec.applies_to(ids, environment_id):
            occurrence = spec.meets(start, end)
            if occurrence is not None:
                found.append((spec, occurrence))
    return found


def in_maintenance(
    specs: Iterable[WindowSpec],
    *,
    service_ids: Iterable[int],
    environment_id: int,
    start: dt.datetime,
    end: dt.datetime,
) -> bool:
    """Whether one maintenance occurrence covering the scope holds all of [start, end)."""
    ids = frozenset(service_ids)
    return any(
        spec.kind == WindowKind.MAINTENANCE and spec.applies_to(ids, environment_id) and spec.contains(start, end)
        for spec in specs
    )
