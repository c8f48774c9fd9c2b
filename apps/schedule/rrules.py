"""The window builder's recurrences: simple choices written as an RFC 5545 RRULE, read back, and previewed.

The builder offers daily, weekly on chosen days and monthly on a date or on a weekday (the 2nd Wednesday, the
last Friday), ending never, on a date or after N times. Anything else stays editable as a custom RRULE.
Expansion is apps.changes.windows' (wall-clock times in the window's zone, so DST does not move a window).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from apps.changes.windows import parse_rrule, rrule_check

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PREVIEW = 10


@dataclass
class Recurrence:
    """What the builder's fields say. ``repeat``: none, daily, weekly, monthly or custom."""

    repeat: str = "none"
    interval: int = 1
    weekdays: list[str] = field(default_factory=list)
    monthly_by: str = "date"  # "date": the start's day of the month; "weekday": e.g. its 2nd Wednesday
    ends: str = "never"  # never, until, count
    until: dt.date | None = None
    count: int | None = None
    custom: str = ""


def nth_weekday(day: dt.date) -> str:
    """The start's weekday within its month as BYDAY: +2WE for the 2nd Wednesday, -1FR for a last Friday."""
    nth = (day.day - 1) // 7 + 1
    if (day + dt.timedelta(days=7)).month != day.month:
        nth = -1  # the last one of the month: "the 5th" does not exist in most months
    return f"{'+' if nth > 0 else ''}{nth}{WEEKDAYS[day.weekday()]}"


def build_rrule(recurrence: Recurrence, start: dt.datetime) -> str:
    """The RRULE text (no prefix) for the choices, starting at ``start`` (local time in the window's zone)."""
    if recurrence.repeat == "none":
        return ""
    if recurrence.repeat == "custom":
        return recurrence.custom.strip().removeprefix("RRULE:")
    parts = [f"FREQ={recurrence.repeat.upper()}"]
    if recurrence.interval > 1:
        parts.append(f"INTERVAL={recurrence.interval}")
    if recurrence.repeat == "weekly":
        days = [d for d in WEEKDAYS if d in recurrence.weekdays] or [WEEKDAYS[start.weekday()]]
        parts.append(f"BYDAY={','.join(days)}")
    elif recurrence.repeat == "monthly":
        by = f"BYDAY={nth_weekday(start.date())}" if recurrence.monthly_by == "weekday" else f"BYMONTHDAY={start.day}"
        parts.append(by)
    if recurrence.ends == "until" and recurrence.until is not None:
        parts.append(f"UNTIL={recurrence.until:%Y%m%d}T235959")  # local, the end of that day (no Z: see windows)
    elif recurrence.ends == "count" and recurrence.count:
        parts.append(f"COUNT={recurrence.count}")
    return ";".join(parts)


def _parts(text: str) -> dict[str, str]:
    pairs = (item.split("=", 1) for item in text.split(";") if "=" in item)
    return {key.strip().upper(): value.strip().upper() for key, value in pairs}


def read_rrule(text: str) -> Recurrence:
    """The builder's choices for a stored RRULE; ``custom`` when the builder cannot say it."""
    text = (text or "").strip().removeprefix("RRULE:")
    if not text:
        return Recurrence()
    parts = _parts(text)
    custom = Recurrence(repeat="custom", custom=text)
    known = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "UNTIL", "COUNT"}
    freq = parts.get("FREQ", "").lower()
    if set(parts) - known or freq not in ("daily", "weekly", "monthly"):
        return custom
    found = Recurrence(repeat=freq, interval=int(parts.get("INTERVAL", "1") or 1))
    days = [d for d in parts.get("BYDAY", "").split(",") if d]
    if freq == "weekly":
        if not set(days) <= set(WEEKDAYS) or "BYMONTHDAY" in parts:
            return custom
        found.weekdays = days
    elif freq == "monthly":
        if "BYDAY" in parts:
            found.monthly_by = "weekday"
        elif "BYMONTHDAY" not in parts:
            return custom
    elif days or "BYMONTHDAY" in parts:
        return custom
    if "UNTIL" in parts:
        try:
            found.ends, found.until = "until", dt.datetime.strptime(parts["UNTIL"][:8], "%Y%m%d").date()
        except ValueError:
            return custom
    elif "COUNT" in parts:
        found.ends, found.count = "count", int(parts["COUNT"]) if parts["COUNT"].isdigit() else None
    return found


@dataclass(frozen=True)
class Occurrence:
    start: dt.datetime  # aware, in the window's zone
    end: dt.datetime


def occurrences(
    *, rrule: str, tz: str, starts_at: dt.datetime, ends_at: dt.datetime, after: dt.datetime, limit: int = PREVIEW
) -> list[Occurrence]:
    """The next ``limit`` occurrences ending after ``after``, in the window's zone (ValueError on a bad rule)."""
    zone = zoneinfo.ZoneInfo(tz)
    local_start = starts_at.astimezone(zone).replace(tzinfo=None)
    length = ends_at.astimezone(zone).replace(tzinfo=None) - local_start
    if not rrule:
        return [Occurrence(starts_at.astimezone(zone), ends_at.astimezone(zone))] if ends_at > after else []
    rule = parse_rrule(rrule, local_start)
    lo = max(after.astimezone(zone).replace(tzinfo=None) - length, local_start)
    found = []
    for begins in rule.xafter(lo, count=limit * 2, inc=True):
        start, end = begins.replace(tzinfo=zone), (begins + length).replace(tzinfo=zone)
        if end > after:
            found.append(Occurrence(start, end))
        if len(found) == limit:
            break
    return found


def never_occurs(*, rrule: str, tz: str, starts_at: dt.datetime, ends_at: dt.datetime) -> bool:
    """True when the rule yields no occurrence at all from the window's start (e.g. UNTIL before the start)."""
    if not rrule:
        return False
    zone = zoneinfo.ZoneInfo(tz)
    local_start = starts_at.astimezone(zone).replace(tzinfo=None)
    return parse_rrule(rrule, local_start).after(local_start, inc=True) is None


def check_recurrence(values: dict[str, Any], *, now: dt.datetime) -> None:
    """The builder's refusals, keyed by field: end before start, an invalid rule, a window that never occurs."""
    starts_at, ends_at, tz = values.get("starts_at"), values.get("ends_at"), values.get("timezone") or "UTC"
    if starts_at is None or ends_at is None:
        return
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "The end must come after the start."})
    text = rrule_check(values.get("rrule", ""))  # ValidationError {"rrule": ...} on a rule windows do not run
    if never_occurs(rrule=text, tz=tz, starts_at=starts_at, ends_at=ends_at):
        raise ValidationError({"rrule": "This recurrence never occurs (does it end before the window starts?)."})
    if values.get("is_active", True) and not occurrences(
        rrule=text, tz=tz, starts_at=starts_at, ends_at=ends_at, after=now, limit=1
    ):
        raise ValidationError({"ends_at": "This window is over: every occurrence has ended."})
