"""iCalendar (RFC 5545) rendering of feeds with the ``icalendar`` library.

Calendar clients match events by UID and keep the copy with the highest SEQUENCE, so: one UID per change and per
window that never changes, and a SEQUENCE that grows with every update (a change's version counts its writes; a
window's seconds between creation and last edit grow with each edit). Called-off changes and retired windows stay
in the feed as STATUS:CANCELLED so that clients remove them instead of keeping a stale copy.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass

from icalendar import Calendar, Event, vRecur

from apps.changes.choices import ChangeStatus
from apps.changes.models import Window, format_number

S = ChangeStatus
PRODID = "-//Steward//Change calendar//EN"
UID_DOMAIN = "steward"
CONFIRMED = frozenset({S.APPROVED, S.IN_PROGRESS, S.COMPLETED, S.FAILED, S.ROLLED_BACK})
CANCELLED = frozenset({S.CANCELLED, S.REJECTED})


@dataclass(frozen=True)
class FeedChange:
    """One change as a feed carries it (read as plain values: a feed may hold thousands)."""

    pk: int
    title: str
    public_title: str
    status: str
    tier: str
    start: dt.datetime
    end: dt.datetime
    version: int
    updated_at: dt.datetime
    environment: str
    services: tuple[str, ...]


def change_uid(pk: int) -> str:
    return f"change-{pk}@{UID_DOMAIN}"


def window_uid(pk: int) -> str:
    return f"window-{pk}@{UID_DOMAIN}"


def window_sequence(window: Window) -> int:
    """Grows with every edit: whole seconds from the window's creation to its last update."""
    return max(0, int((window.updated_at - window.created_at).total_seconds()))


def _status(status: str) -> str:
    if status in CANCELLED:
        return "CANCELLED"
    return "CONFIRMED" if status in CONFIRMED else "TENTATIVE"


def _change_event(change: FeedChange, *, public: bool, base_url: str) -> Event:
    event = Event()
    event.add("uid", change_uid(change.pk))
    event.add("dtstamp", change.updated_at)
    event.add("last-modified", change.updated_at)
    event.add("sequence", max(0, change.version - 1))
    event.add("dtstart", change.start)
    event.add("dtend", change.end)
    event.add("status", _status(change.status))
    services = ", ".join(change.services)
    if public:
        event.add("summary", change.public_title or "Planned maintenance")
        event.add("description", f"Planned maintenance on {services}." if services else "Planned maintenance.")
        return event
    number = format_number(change.pk)
    event.add("summary", f"{number} {change.title}")
    event.add("categories", [f"tier-{change.tier or 'unscored'}"])
    url = f"{base_url}/changes/{number}/"
    event.add("url", url)
    event.add(
        "description",
        f"{number}: {S(change.status).label if change.status in S.values else change.status}, "
        f"tier {change.tier or 'unscored'}, {change.environment}.\nServices: {services}\n{url}",
    )
    return event


def _window_event(window: Window, *, public: bool) -> Event:
    zone = zoneinfo.ZoneInfo(window.timezone)
    event = Event()
    event.add("uid", window_uid(window.pk))
    event.add("dtstamp", window.updated_at)
    event.add("last-modified", window.updated_at)
    event.add("sequence", window_sequence(window))
    # In the window's own zone, with its VTIMEZONE: the recurrence repeats wall-clock times across DST.
    event.add("dtstart", window.starts_at.astimezone(zone))
    event.add("dtend", window.ends_at.astimezone(zone))
    if window.rrule:
        event.add("rrule", vRecur.from_ical(window.rrule))
    event.add("summary", f"{window.get_kind_display()}: {window.title}")
    event.add("transp", "OPAQUE" if window.kind == "freeze" else "TRANSPARENT")
    event.add("status", "CONFIRMED" if window.is_active else "CANCELLED")
    if window.reason and not public:
        event.add("description", window.reason)
    event.add("categories", [window.kind])
    return event


def render_feed(
    *, name: str, changes: Iterable[FeedChange], windows: Iterable[Window], public: bool, base_url: str
) -> bytes:
    """The feed as bytes; ``public`` keeps only what end users may read (public titles, services)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-published-ttl", "PT15M")
    for change in changes:
        calendar.add_component(_change_event(change, public=public, base_url=base_url))
    for window in windows:
        calendar.add_component(_window_event(window, public=public))
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
