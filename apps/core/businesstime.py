"""Business-time arithmetic: working hours, working days and holidays in one time zone.

Pure functions over a ``BusinessCalendar``; imports no app. Each working day's window is the wall-clock
interval [day@workday_start, day@workday_end] localised with zoneinfo, so a window keeps its local hours
across a daylight-saving change (09:00–17:00 stays 09:00–17:00 the Monday after the clocks move). All
arithmetic happens in UTC: subtracting two datetimes that share one ZoneInfo would ignore the offset change.
Durations are real elapsed time inside windows (a window spanning a DST jump is an hour shorter or longer).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field

UTC = dt.UTC
ONE_DAY = dt.timedelta(days=1)


def _check_aware(*moments: dt.datetime) -> None:
    for moment in moments:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("Business-time arithmetic needs time-zone-aware datetimes.")


@dataclass(frozen=True)
class BusinessCalendar:
    """When a team works: ``working_days`` 0 = Monday … 6 = Sunday, hours in ``tz``, minus ``holidays``."""

    tz: str = "UTC"
    workday_start: dt.time = dt.time(9, 0)
    workday_end: dt.time = dt.time(17, 0)
    working_days: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    holidays: frozenset[dt.date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        # The arithmetic below walks day by day until enough time is found: a calendar with no working
        # time at all would never end, so it is refused here.
        if not self.working_days or not self.working_days <= frozenset(range(7)):
            raise ValueError("working_days must name at least one day between 0 (Monday) and 6 (Sunday).")
        if self.workday_end <= self.workday_start:
            raise ValueError("workday_end must come after workday_start.")
        zoneinfo.ZoneInfo(self.tz)  # raises ZoneInfoNotFoundError for an unknown name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.tz)

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() in self.working_days and day not in self.holidays

    def window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
        """The UTC start and end of ``day``'s working hours, or None on a day off (or an empty window)."""
        if not self.is_working_day(day):
            return None
        zone = self.zone
        start = dt.datetime.combine(day, self.workday_start, tzinfo=zone).astimezone(UTC)
        end = dt.datetime.combine(day, self.workday_end, tzinfo=zone).astimezone(UTC)
        # Hours inside a skipped DST hour can put the end before the start: no working time that day.
        return (start, end) if end > start else None

    def windows_from(self, moment: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """Every working window that ends after ``moment``, in order, without end."""
        day = moment.astimezone(self.zone).date()
        while True:
            window = self.window(day)
            if window is not None and window[1] > moment:
                yield window
            day += ONE_DAY

    def add_business_time(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """The moment (UTC) when ``duration`` of business time has elapsed after ``start``.

        A start outside working hours counts from the next window; a zero duration returns ``start`` itself
        (in UTC). A result that lands exactly on a window's end stays there rather than jumping to the next
        window, which makes the function additive: add(add(s, a), b) == add(s, a + b).
        """
        _check_aware(start)
        if duration < dt.timedelta(0):
            raise ValueError("duration must not be negative.")
        cursor, remaining = start.astimezone(UTC), duration
        if not remaining:
            return cursor
        for window_start, window_end in self.windows_from(cursor):
            cursor = max(cursor, window_start)
            available = window_end - cursor
            if remaining <= available:
                return cursor + remaining
            remaining -= available
        raise AssertionError("unreachable: windows_from never ends")  # pragma: no cover

    def business_time_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Business time inside [start, end]; zero when ``end`` is not after ``start``."""
        _check_aware(start, end)
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        total = dt.timedelta(0)
        if end <= start:
            return total
        for window_start, window_end in self.windows_from(start):
            if window_start >= end:
                break
            total += min(window_end, end) - max(window_start, start)
        return total
