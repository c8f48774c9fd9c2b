"""The calendar's JSON events (FullCalendar's event objects) and CSV rows, built from the selectors' plain rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from apps.changes.choices import ChangeStatus
from apps.schedule.selectors import CalendarChange, Editor, WindowOccurrence

S = ChangeStatus
PLACEHOLDER = "CHG-000000"
TIER_COLOURS = {"low": "#198754", "medium": "#b86e00", "high": "#dc3545"}  # as the tier badges


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


class EventBuilder:
    """FullCalendar events for one viewer: URLs reversed once, not per row (a month may hold thousands)."""

    def __init__(self, editor: Editor) -> None:
        self.editor = editor
        self.panel = reverse("schedule:panel", args=[PLACEHOLDER])
        self.move = reverse("schedule:move", args=[PLACEHOLDER])
        self.page = reverse("changes:change-detail", args=[PLACEHOLDER])

    def change(self, change: CalendarChange) -> dict[str, Any]:
        number = change.number
        classes = [f"chg-tier-{change.tier or 'none'}", f"chg-status-{change.status}"]
        if change.conflict:
            classes.append("chg-conflict")
        title = f"{'⚠ ' if change.conflict else ''}{number} {change.title}"
        return {
            "id": number,
            "title": title,
            "start": _iso(change.start),
            "end": _iso(change.end),
            "classNames": classes,
            "color": TIER_COLOURS.get(change.tier, "#6c757d"),
            "editable": self.editor.may_edit(change),
            "extendedProps": {
                "number": number,
                "tier": change.tier,
                "status": change.status,
                "statusLabel": change.status_label,
                "conflict": change.conflict,
                "version": change.version,
                "services": change.service_names,
                "environment": change.environment,
                "panel": self.panel.replace(PLACEHOLDER, number),
                "move": self.move.replace(PLACEHOLDER, number),
                "page": self.page.replace(PLACEHOLDER, number),
            },
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
