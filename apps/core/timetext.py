"""Times as people read them, one format on every page: ``29 Nov 2026, 14:05 CET`` in the viewer's time zone
(activated from their profile by apps.accounts.middleware), relative where it helps (``3 h ago``), and
durations as the SLA column writes them (``2 h 10 min``).

Used by the ``{{ value|when }}`` / ``{{ value|ago }}`` filters (apps/core/templatetags/when.py) and by the
queue's Jinja2 rows (apps.fulfillment.views.queue).
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString


@functools.cache
def known_zones() -> frozenset[str]:
    """The IANA zones this process knows: read once (``zoneinfo.available_timezones`` walks the tz database on
    disk at every call, which cost the queue more than rendering its rows)."""
    return frozenset(zoneinfo.available_timezones())


# One format for every absolute time: day, month, year, 24-hour time and the zone's name.
DATETIME_FORMAT = "j M Y, H:i T"
DATE_FORMAT = "j M Y"


def local_text(value: dt.datetime) -> str:
    """``value`` in the current time zone as DATETIME_FORMAT (the zone named)."""
    return dateformat.format(timezone.localtime(value), DATETIME_FORMAT)


def duration_text(delta: dt.timedelta, *, days: bool = True) -> str:
    """``2 h 10 min``, ``35 min``, ``3 d 4 h``, ``less than a minute`` (sign ignored). ``days=False`` counts
    in hours only: business time, where a "day" of 24 hours would mean three working days."""
    minutes = int(abs(delta).total_seconds() // 60)
    whole_days, rest = divmod(minutes, 24 * 60) if days else (0, minutes)
    hours, mins = divmod(rest, 60)
    if whole_days:
        return f"{whole_days} d {hours} h" if hours else f"{whole_days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min" if mins else "less than a minute"


def relative_text(value: dt.datetime, now: dt.datetime | None = None) -> str:
    """``3 h ago``, ``in 20 min``, ``just now``; beyond a week the absolute date."""
    now = now or timezone.now()
    delta = now - value
    if abs(delta) < dt.timedelta(minutes=1):
        return "just now"
    if abs(delta) > dt.timedelta(days=7):
        return dateformat.format(timezone.localtime(value), DATE_FORMAT)
    span = duration_text(delta)
    return f"{span} ago" if delta > dt.timedelta(0) else f"in {span}"


def time_html(value: dt.datetime | None, *, relative: bool = False, now: dt.datetime | None = None) -> SafeString | str:
    """A <time> element: the absolute text (or the relative one, the absolute text on hover)."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    exact = dateformat.format(local, DATETIME_FORMAT)
    if relative:
        return format_html(
            '<time datetime="{}" title="{}">{}</time>', local.isoformat(), exact, relative_text(value, now)
        )
    return format_html('<time datetime="{}">{}</time>', local.isoformat(), exact)
