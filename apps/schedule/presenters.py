"""The calendar's JSON events and CSV rows, built from the selectors' plain rows."""

from __future__ import annotations

import datetime as dt
from itertools import repeat
from typing import Any

from django.urls import reverse
from django.utils import timezone

from apps.changes.choices import EDITABLE_STATUSES, ChangeStatus
from apps.changes.models import NUMBER_PREFIX
from apps.schedule.selectors import CalendarChange, Editor, EventRows, WindowOccurrence

S = ChangeStatus
PLACEHOLDER = "CHG-000000"
TIER_COLOURS = {"low": "#198754", "medium": "#b86e00", "high": "#dc3545"}  # as the tier badges


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


# The columns of the changes in the events JSON; static/schedule/calendar.js turns them into event objects.
EVENT_FIELDS = ("id", "title", "start", "end", "tier", "status", "environment", "version", "conflict", "editable",
                "services")  # fmt: skip
NUMBER_DIGITS = 6  # as apps.core.numbers.format_number pads a change's number


def events_json(found: EventRows, editor: Editor, windows: list[dict[str, Any]]) -> dict[str, Any]:
    """The calendar's events for one viewer, compact: a month may hold ten thousand changes, so ``changes`` holds one
    array per field of EVENT_FIELDS (the i-th change is the i-th item of each), built without Python work per change
    but a few C-level maps. Instants are epoch milliseconds; a change's id is its primary key, which the page writes
    as its number (``number``: prefix and digits); environment and services are ids named once in ``environments``
    and ``services``, and what every change shares (colours, labels, URLs) is sent once. Windows are FullCalendar
    event objects as they are (a few bands)."""
    links, conflicts = found.services, found.conflicts
    ids, titles, starts, ends, tiers, statuses, environments, versions, requesters = found.columns
    services = list(map(links.get, ids, repeat(())))
    if editor.manager:  # Editor.may_edit_row: a manager's answer reads only the status
        editable = list(map(EDITABLE_STATUSES.__contains__, statuses))
    else:
        owned = frozenset(pk for pk, team in found.service_teams.items() if team in editor.teams)
        editable = [
            editor.may_edit_row(status, requester, not owned.isdisjoint(own))
            for status, requester, own in zip(statuses, requesters, services, strict=True)
        ]
    changes = dict(zip(EVENT_FIELDS, (
        ids, titles, starts, ends, tiers, statuses, environments, versions, list(map(conflicts.__contains__, ids)),
        editable, services,
    ), strict=True))  # fmt: skip
    return {
        "changes": changes,
        "number": {"prefix": NUMBER_PREFIX, "digits": NUMBER_DIGITS},
        "environments": found.environments,
        "services": found.service_names,
        "statuses": {value: str(label) for value, label in S.choices},
        "colours": TIER_COLOURS,
        "urls": {
            "placeholder": PLACEHOLDER,
            "panel": reverse("schedule:panel", args=[PLACEHOLDER]),
            "move": reverse("schedule:move", args=[PLACEHOLDER]),
            "page": reverse("changes:change-detail", args=[PLACEHOLDER]),
        },
        "windows": windows,
    }


def _days(occurrence: WindowOccurrence) -> tuple[str, str]:
    """The days an occurrence touches, in the viewer's zone, as an all-day range (end exclusive)."""
    first = timezone.localtime(occurrence.start).date()
    end = timezone.localtime(occurrence.end)
    last = end.date() if end.time() == dt.time(0) else end.date() + dt.timedelta(days=1)
    return first.isoformat(), max(last, first + dt.timedelta(days=1)).isoformat()


def window_event(occurrence: WindowOccurrence, index: int, *, days: bool = False) -> dict[str, Any]:
    """A window's occurrence as a background band: timed (week and day views) or over whole days (``days``: month
    views, where FullCalendar draws only all-day background events)."""
    spec = occurrence.spec
    start, end = _days(occurrence) if days else (_iso(occurrence.start), _iso(occurrence.end))
    return {
        "id": f"window-{spec.id}-{index}",
        "groupId": f"window-{spec.id}",
        "title": f"{'Freeze' if spec.kind == 'freeze' else 'Maintenance'}: {spec.title}",
        "start": start,
        "end": end,
        "allDay": days,
        "display": "background",
        "classNames": [f"win-{spec.kind}"],
        "extendedProps": {"kind": spec.kind, "window": spec.id, "zone": spec.tz, "local": occurrence.local()},
    }


CSV_HEADER = ["number", "title", "start", "end", "tier", "status", "services", "environment", "conflict"]


def _cell(value: Any) -> str:
    """No spreadsheet formulas from user text (CSV injection)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_row(change: CalendarChange, tz: dt.tzinfo) -> list[str]:
    values = [
        change.number, change.title, change.start.astimezone(tz).isoformat(), change.end.astimezone(tz).isoformat(),
        change.tier, change.status_label, change.service_names, change.environment, "yes" if change.conflict else "no",
    ]  # fmt: skip
    return [_cell(value) for value in values]
