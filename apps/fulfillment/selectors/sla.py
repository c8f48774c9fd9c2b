"""Reads of SLA clocks: a team's business calendar, and a request's clock rebuilt from its recorded history.

When the clock runs (decided here, used by services.sla and the queue):
- running: new, approved, in progress, failed (a failed automation waits for an agent);
- paused: on hold — waiting for requester, and awaiting approval (as in ServiceNow and Jira Service
  Management, the desk is not charged for the approver's delay);
- stopped: fulfilled, closed, cancelled, rejected. A reopened request (fulfilled → in progress) continues
  with the budget it had left: the time it spent fulfilled is not charged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from apps.accounts.models import TeamHoliday
from apps.core.businesstime import BusinessCalendar
from apps.core.models import AuditEvent
from apps.core.selectors import audit_events_for
from apps.core.timetext import duration_text, known_zones
from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.models import ServiceRequest

S = RequestStatus
CLOCK_RUNNING = frozenset({S.NEW, S.APPROVED, S.IN_PROGRESS, S.FAILED})
CLOCK_PAUSED = frozenset({S.ON_HOLD, S.AWAITING_APPROVAL})
CLOCK_STOPPED = frozenset({S.FULFILLED, S.CLOSED, S.CANCELLED, S.REJECTED})
# How long before its due time a request is "due soon": the sweep warns then, and a due time moved past it
# clears the warning (services.transitions.request_sla_refresh).
WARN_AHEAD = dt.timedelta(hours=1)
DEFAULT_WORKING_DAYS = frozenset({0, 1, 2, 3, 4})

Interval = tuple[dt.datetime, dt.datetime | None]  # end None: still running


def calendar_for_team(team: Any) -> BusinessCalendar:
    """``team``'s business hours and holidays (one query for the holidays).

    Values the admin should not let through still give a usable calendar rather than a crash in a
    lifecycle hook: an unknown zone counts as UTC, no valid working day as Monday to Friday.
    """
    holidays = TeamHoliday.objects.filter(team=team).values_list("date", flat=True)
    return calendar_from_values(team.timezone, team.workday_start, team.workday_end, team.working_days, holidays)


def calendar_from_values(
    tz: str, start: dt.time, end: dt.time, working_days: Any, holidays: Iterable[dt.date]
) -> BusinessCalendar:
    """A calendar from a team's columns (calendar_for_team's rules for values the admin should not allow)."""
    days = frozenset(d for d in (working_days or []) if isinstance(d, int) and 0 <= d <= 6)
    return BusinessCalendar(
        tz=tz if tz in known_zones() else "UTC",
        workday_start=start,
        workday_end=end,
        working_days=days or DEFAULT_WORKING_DAYS,
        holidays=frozenset(holidays),
    )


def delivery_target(request: ServiceRequest) -> dt.timedelta:
    """The item's delivery target as a duration of business time."""
    hours = Decimal(request.item.delivery_target_hours)
    return dt.timedelta(seconds=int(hours * 3600))


def running_intervals(request: ServiceRequest, events: Iterable[AuditEvent]) -> list[Interval]:
    """The intervals during which the clock ran, from the request's recorded status changes.

    The request's current status decides the last period (it is what the queue shows); every earlier
    period is what the audit trail recorded, so no later edit can lose paused time.
    """
    periods: list[tuple[dt.datetime, str]] = [(request.created_at, S.NEW)]
    for event in events:
        to = event.data.get("to") if event.verb == "status_changed" else None
        if isinstance(to, str):
            periods.append((max(event.created_at, periods[-1][0]), to))
    periods[-1] = (periods[-1][0], request.status)
    intervals: list[Interval] = []
    for index, (start, status) in enumerate(periods):
        end = periods[index + 1][0] if index + 1 < len(periods) else None
        if status in CLOCK_RUNNING:
            intervals.append((start, end))
    return intervals


@dataclass(frozen=True)
class Clock:
    """A request's clock: when it is due (None while not running) and the budget left at that point."""

    due_at: dt.datetime | None
    left: dt.timedelta


def clock_from(calendar: BusinessCalendar, intervals: list[Interval], target: dt.timedelta) -> Clock:
    """Spend ``target`` over the running intervals; the due time is where the budget runs out."""
    left = target
    for start, end in intervals:
        if end is None:
            return Clock(due_at=calendar.add_business_time(start, left), left=left)
        spent = calendar.business_time_between(start, end)
        if spent >= left:  # the budget ran out in the past: due then, whatever came after
            return Clock(due_at=calendar.add_business_time(start, left), left=dt.timedelta(0))
        left -= spent
    return Clock(due_at=None, left=left)


def request_sla_clock(request: ServiceRequest, calendar: BusinessCalendar | None = None) -> Clock:
    """``request``'s clock rebuilt from its history in its fulfilling team's calendar (2–4 queries)."""
    events = audit_events_for(request).select_related(None).filter(verb="status_changed")
    events = events.only("verb", "data", "created_at")
    intervals = running_intervals(request, events)
    return clock_from(calendar or calendar_for_team(request.team), intervals, delivery_target(request))


@dataclass(frozen=True)
class SlaStatus:
    """What the request page says about the clock.

    state: "running", "breached" (running past due), "paused" or "stopped". ``remaining`` is the business
    time left (while running: until due; while paused: the budget left when it resumes), ``overdue`` the
    business time since the due time. ``met`` tells, once stopped, whether it stopped by its due time.
    """

    state: str
    due_at: dt.datetime | None
    remaining: dt.timedelta | None = None
    overdue: dt.timedelta | None = None
    met: bool | None = None


def request_sla_status(request: ServiceRequest, now: dt.datetime | None = None) -> SlaStatus:
    """The clock of ``request`` at ``now`` (default: the current time), for display."""
    now = now or timezone.now()
    if request.status in CLOCK_STOPPED:
        stopped_at = request.fulfilled_at or request.closed_at or request.updated_at
        met = None if request.due_at is None else stopped_at <= request.due_at
        return SlaStatus(state="stopped", due_at=request.due_at, met=met)
    calendar = calendar_for_team(request.team)
    clock = request_sla_clock(request, calendar)
    if clock.due_at is None:
        return SlaStatus(state="paused", due_at=None, remaining=clock.left)
    if clock.due_at <= now:
        overdue = calendar.business_time_between(clock.due_at, now)
        return SlaStatus(state="breached", due_at=clock.due_at, remaining=dt.timedelta(0), overdue=overdue)
    return SlaStatus(state="running", due_at=clock.due_at, remaining=calendar.business_time_between(now, clock.due_at))


@dataclass(frozen=True)
class ClockText:
    """What the queue's SLA column says of one request: ``text`` ("2 h 10 min left", "overdue 35 min",
    "Paused", "Stopped") and ``state`` (on_track, soon, overdue, paused, stopped) for its colour."""

    text: str
    state: str


def clock_text(
    *, status: str, due_at: dt.datetime | None, overdue: bool, calendar: BusinessCalendar, now: dt.datetime
) -> ClockText:
    """Time left or overdue by, in the team's business time (the clock counts only working hours)."""
    if status in CLOCK_STOPPED:
        return ClockText("Stopped", "stopped")
    if due_at is None:
        return ClockText("Paused", "paused")
    if overdue or due_at <= now:
        late = calendar.business_time_between(due_at, now)
        text = f"overdue {duration_text(late, days=False)}" if late >= dt.timedelta(minutes=1) else "overdue"
        return ClockText(text, "overdue")
    left = calendar.business_time_between(now, due_at)
    return ClockText(f"{duration_text(left, days=False)} left", "soon" if left <= WARN_AHEAD else "on_track")
