"""Business-time arithmetic: examples (weekends, holidays, DST) and properties (hypothesis)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.core.businesstime import BusinessCalendar

PARIS = ZoneInfo("Europe/Paris")
H = dt.timedelta(hours=1)


def paris(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


MON_FRI_PARIS = BusinessCalendar(tz="Europe/Paris")


# --- Examples -----------------------------------------------------------------------------------------


def test_time_inside_one_day():
    assert MON_FRI_PARIS.add_business_time(paris(2027, 1, 12, 10), 3 * H) == paris(2027, 1, 12, 13)


def test_remaining_time_moves_over_the_weekend():
    friday = paris(2027, 1, 8, 16)
    assert friday.weekday() == 4
    assert MON_FRI_PARIS.add_business_time(friday, 4 * H) == paris(2027, 1, 11, 12)


def test_holiday_is_skipped():
    calendar = BusinessCalendar(tz="Europe/Paris", holidays=frozenset({dt.date(2027, 1, 11)}))
    assert calendar.add_business_time(paris(2027, 1, 8, 16), 4 * H) == paris(2027, 1, 12, 12)
    assert calendar.business_time_between(paris(2027, 1, 8, 16), paris(2027, 1, 12, 12)) == 4 * H


def test_start_outside_hours_counts_from_the_next_window():
    saturday = paris(2027, 1, 9, 11)
    assert MON_FRI_PARIS.add_business_time(saturday, H) == paris(2027, 1, 11, 10)
    early_tuesday = paris(2027, 1, 12, 7)
    assert MON_FRI_PARIS.add_business_time(early_tuesday, H) == paris(2027, 1, 12, 10)
    late_tuesday = paris(2027, 1, 12, 19)
    assert MON_FRI_PARIS.add_business_time(late_tuesday, H) == paris(2027, 1, 13, 10)


def test_result_ending_a_window_stays_at_its_end():
    assert MON_FRI_PARIS.add_business_time(paris(2027, 1, 8, 9), 8 * H) == paris(2027, 1, 8, 17)


@pytest.mark.parametrize(
    ("friday", "monday"),
    [
        (paris(2027, 3, 26, 16), paris(2027, 3, 29, 12)),  # clocks go forward on Sunday 28 March 2027
        (paris(2027, 10, 29, 16), paris(2027, 11, 1, 12)),  # clocks go back on Sunday 31 October 2027
        (paris(2026, 10, 23, 16), paris(2026, 10, 26, 12)),  # clocks went back on Sunday 25 October 2026
    ],
)
def test_across_a_dst_change_the_local_hours_hold(friday, monday):
    due = MON_FRI_PARIS.add_business_time(friday, 4 * H)
    assert due == monday
    local = due.astimezone(PARIS)
    assert (local.hour, local.minute) == (12, 0)  # neither 11:00 nor 13:00
    assert MON_FRI_PARIS.business_time_between(friday, due) == 4 * H


def test_a_window_spanning_the_dst_jump_is_an_hour_shorter():
    every_day = BusinessCalendar(
        tz="Europe/Paris", workday_start=dt.time(0), workday_end=dt.time(6), working_days=frozenset(range(7))
    )
    sunday = dt.date(2027, 3, 28)
    assert every_day.business_time_between(paris(2027, 3, 28, 0), paris(2027, 3, 28, 23)) == 5 * H
    assert every_day.window(sunday) == (
        dt.datetime(2027, 3, 27, 23, tzinfo=dt.UTC),
        dt.datetime(2027, 3, 28, 4, tzinfo=dt.UTC),
    )


def test_result_is_utc_and_compares_as_an_instant():
    due = MON_FRI_PARIS.add_business_time(paris(2027, 1, 12, 10), H)
    assert due.tzinfo == dt.UTC
    assert due == dt.datetime(2027, 1, 12, 10, tzinfo=dt.UTC)


def test_between_is_zero_backwards_and_outside_hours():
    assert MON_FRI_PARIS.business_time_between(paris(2027, 1, 12, 12), paris(2027, 1, 12, 10)) == dt.timedelta(0)
    assert MON_FRI_PARIS.business_time_between(paris(2027, 1, 9, 0), paris(2027, 1, 10, 23)) == dt.timedelta(0)


def test_refuses_what_cannot_be_computed():
    with pytest.raises(ValueError, match="aware"):
        MON_FRI_PARIS.add_business_time(dt.datetime(2027, 1, 12, 10), H)
    with pytest.raises(ValueError, match="negative"):
        MON_FRI_PARIS.add_business_time(paris(2027, 1, 12, 10), -H)
    with pytest.raises(ValueError, match="working_days"):
        BusinessCalendar(working_days=frozenset())
    with pytest.raises(ValueError, match="working_days"):
        BusinessCalendar(working_days=frozenset({7}))
    with pytest.raises(ValueError, match="workday_end"):
        BusinessCalendar(workday_start=dt.time(17), workday_end=dt.time(9))


# --- Properties ---------------------------------------------------------------------------------------

ZONES = ["UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "America/Santiago"]
FIRST_DAY, LAST_DAY = dt.date(2026, 1, 1), dt.date(2028, 12, 31)


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    start_minute = draw(st.integers(0, 23 * 60 + 58))
    end_minute = draw(st.integers(start_minute + 1, 23 * 60 + 59))
    days = draw(st.frozensets(st.integers(0, 6), min_size=1))
    holidays = draw(st.frozensets(st.dates(FIRST_DAY, LAST_DAY), max_size=40))
    return BusinessCalendar(
        tz=draw(st.sampled_from(ZONES)),
        workday_start=dt.time(*divmod(start_minute, 60)),
        workday_end=dt.time(*divmod(end_minute, 60)),
        working_days=days,
        holidays=holidays,
    )


moments = st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2028, 6, 30), timezones=st.just(dt.UTC))
durations = st.integers(0, 120 * 3600).map(lambda s: dt.timedelta(seconds=s))
positive_durations = st.integers(1, 120 * 3600).map(lambda s: dt.timedelta(seconds=s))
PROPERTY = settings(max_examples=300, deadline=None)


@PROPERTY
@given(calendars(), moments, durations)
def test_between_undoes_add_from_any_start(calendar, start, duration):
    assert calendar.business_time_between(start, calendar.add_business_time(start, duration)) == duration


@PROPERTY
@given(calendars(), moments, positive_durations)
def test_result_lies_in_a_working_window(calendar, start, duration):
    due = calendar.add_business_time(start, duration)
    day = due.astimezone(calendar.zone).date()
    assert day.weekday() in calendar.working_days
    assert day not in calendar.holidays
    window = calendar.window(day)
    assert window is not None and window[0] < due <= window[1]
    assert due > start


@PROPERTY
@given(calendars(), moments, durations, durations)
def test_add_is_monotonic(calendar, start, a, b):
    shorter, longer = sorted((a, b))
    assert calendar.add_business_time(start, shorter) <= calendar.add_business_time(start, longer)


@PROPERTY
@given(calendars(), moments, durations, durations)
def test_add_is_additive(calendar, start, a, b):
    assert calendar.add_business_time(start, a + b) == calendar.add_business_time(
        calendar.add_business_time(start, a), b
    )


@PROPERTY
@given(calendars(), moments, st.integers(0, 20 * 24 * 3600), st.integers(0, 20 * 24 * 3600))
def test_between_is_additive_over_adjacent_intervals(calendar, start, first, second):
    middle = start + dt.timedelta(seconds=first)
    end = middle + dt.timedelta(seconds=second)
    assert calendar.business_time_between(start, middle) + calendar.business_time_between(
        middle, end
    ) == calendar.business_time_between(start, end)


@PROPERTY
@given(calendars(), moments, positive_durations, st.data())
def test_start_inside_hours_uses_its_own_window_first(calendar, moment, duration, data):
    window_start, window_end = next(calendar.windows_from(moment))
    length = int((window_end - window_start).total_seconds())
    start = window_start + dt.timedelta(seconds=data.draw(st.integers(0, length - 1)))
    due = calendar.add_business_time(start, duration)
    assert calendar.business_time_between(start, due) == duration
    if duration <= window_end - start:
        assert due == start + duration
    else:
        assert due > window_end
