"""Windows on the calendar: recurrence across DST in two zones, the builder's RRULE, preview and refusals."""

import datetime as dt
import zoneinfo

import pytest

from apps.changes.models import Window
from apps.schedule.rrules import Recurrence, build_rrule, occurrences, read_rrule
from apps.schedule.selectors import window_occurrences
from tests.changes.factories import WindowFactory

pytestmark = pytest.mark.django_db
AMS, NYC = zoneinfo.ZoneInfo("Europe/Amsterdam"), zoneinfo.ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("zone", "first", "utc_before", "utc_after"),
    [
        # Amsterdam leaves summer time on Sunday 27 October 2030: Friday 16:00 is 14:00 UTC, from 1 November 15:00.
        (AMS, dt.datetime(2030, 10, 18, 16, 0), dt.time(14, 0), dt.time(15, 0)),
        # New York leaves it a week later, on 3 November 2030: 16:00 is 20:00 UTC, from 8 November 21:00.
        (NYC, dt.datetime(2030, 10, 25, 16, 0), dt.time(20, 0), dt.time(21, 0)),
    ],
)
def test_a_weekly_window_keeps_its_wall_clock_across_dst(zone, first, utc_before, utc_after):
    starts = first.replace(tzinfo=zone)
    WindowFactory(kind="freeze", timezone=str(zone), starts_at=starts, ends_at=starts + dt.timedelta(hours=63),
                  rrule="FREQ=WEEKLY;BYDAY=FR")  # fmt: skip
    found = window_occurrences(starts - dt.timedelta(days=1), starts + dt.timedelta(days=20))
    assert [o.start.astimezone(dt.UTC).time() for o in found] == [utc_before, utc_before, utc_after]
    assert {o.start.astimezone(zone).strftime("%a %H:%M") for o in found} == {"Fri 16:00"}
    assert {o.end.astimezone(zone).strftime("%a %H:%M") for o in found} == {"Mon 07:00"}  # 63 h of wall clock


def test_the_builder_writes_and_reads_rrules():
    friday = dt.datetime(2030, 7, 12, 16, 0)  # the 2nd Friday of July
    assert build_rrule(Recurrence(repeat="daily", interval=2, ends="count", count=5), friday) == (
        "FREQ=DAILY;INTERVAL=2;COUNT=5"
    )
    weekly = Recurrence(repeat="weekly", weekdays=["FR", "MO"], ends="until", until=dt.date(2030, 12, 31))
    assert build_rrule(weekly, friday) == "FREQ=WEEKLY;BYDAY=MO,FR;UNTIL=20301231T235959"
    assert build_rrule(Recurrence(repeat="monthly", monthly_by="weekday"), friday) == "FREQ=MONTHLY;BYDAY=+2FR"
    assert build_rrule(Recurrence(repeat="monthly"), friday) == "FREQ=MONTHLY;BYMONTHDAY=12"
    last = dt.datetime(2030, 7, 26, 16, 0)  # the last Friday of July
    assert build_rrule(Recurrence(repeat="monthly", monthly_by="weekday"), last) == "FREQ=MONTHLY;BYDAY=-1FR"
    assert read_rrule("FREQ=WEEKLY;BYDAY=MO,FR;UNTIL=20301231T235959") == Recurrence(
        repeat="weekly", weekdays=["MO", "FR"], ends="until", until=dt.date(2030, 12, 31)
    )
    assert read_rrule("FREQ=YEARLY;BYMONTH=12").repeat == "custom"


def test_the_preview_lists_ten_occurrences_in_the_windows_zone():
    starts = dt.datetime(2030, 3, 1, 22, 0, tzinfo=AMS)
    found = occurrences(rrule="FREQ=WEEKLY;BYDAY=FR", tz="Europe/Amsterdam", starts_at=starts,
                        ends_at=starts + dt.timedelta(hours=2), after=starts)  # fmt: skip
    assert len(found) == 10 and {o.start.strftime("%H:%M %Z") for o in found} == {"22:00 CET", "22:00 CEST"}


def builder(**extra):
    return {
        "kind": "freeze", "title": "Release freeze", "all_services": "on", "timezone": "Europe/Amsterdam",
        "starts_at": "2030-07-05T16:00", "ends_at": "2030-07-08T07:00", "repeat": "weekly", "interval": "1",
        "weekdays": ["FR"], "monthly_by": "date", "ends": "never", **extra,
    }  # fmt: skip


def test_a_manager_builds_a_weekly_freeze(client_for, manager):
    answer = client_for(manager).post("/changes/calendar/windows/new/", builder())
    assert answer.status_code == 302 and answer["Location"] == "/changes/calendar/"
    window = Window.objects.get()
    assert window.rrule == "FREQ=WEEKLY;BYDAY=FR" and window.timezone == "Europe/Amsterdam"
    assert window.starts_at == dt.datetime(2030, 7, 5, 14, 0, tzinfo=dt.UTC)


def test_the_preview_and_the_refusals(client_for, manager, owner):
    client = client_for(manager)
    html = client.get("/changes/calendar/windows/preview/", builder(), HTTP_HX_REQUEST="true").content.decode()
    assert "FREQ=WEEKLY;BYDAY=FR" in html and html.count("<li>") == 10 and "Fri 5 Jul 2030 16:00" in html
    never = builder(ends="until", until="2030-01-01")
    answer = client.post("/changes/calendar/windows/new/", never)
    assert answer.status_code == 200 and "never occurs" in answer.content.decode() and not Window.objects.exists()
    backwards = client.post("/changes/calendar/windows/new/", builder(ends_at="2030-07-01T07:00", title="Kept"))
    html = backwards.content.decode()
    assert "The end must come after the start." in html and 'value="Kept"' in html
    bad = client.post("/changes/calendar/windows/new/", builder(repeat="custom", custom="FREQ=HOURLY"))
    assert "at most daily" in bad.content.decode() and not Window.objects.exists()
    assert client_for(owner).get("/changes/calendar/windows/new/").status_code == 403


def test_a_manager_edits_a_window_in_the_builder(client_for, manager):
    window = WindowFactory(kind="maintenance", timezone="UTC", rrule="FREQ=MONTHLY;BYDAY=+2WE",
                           starts_at=dt.datetime(2030, 7, 10, 20, 0, tzinfo=dt.UTC),
                           ends_at=dt.datetime(2030, 7, 10, 22, 0, tzinfo=dt.UTC))  # fmt: skip
    client = client_for(manager)
    html = client.get(f"/changes/calendar/windows/{window.pk}/edit/").content.decode()
    assert 'value="weekday" class="form-check-input" id="id_monthly_by_1" checked' in html or "checked" in html
    data = builder(kind="maintenance", title="Patch night", timezone="UTC", starts_at="2030-07-10T20:00",
                   ends_at="2030-07-10T22:00", repeat="monthly", monthly_by="weekday", is_active="on")  # fmt: skip
    assert client.post(f"/changes/calendar/windows/{window.pk}/edit/", data).status_code == 302
    window.refresh_from_db()
    assert window.rrule == "FREQ=MONTHLY;BYDAY=+2WE" and window.title == "Patch night"
