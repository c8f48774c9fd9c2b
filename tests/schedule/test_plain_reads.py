"""The calendar's fast reads give what the ORM gives: the events' columns (arrays aggregated by PostgreSQL, sent
in binary; the driver's rows elsewhere), the calendar's stamp in one hand-written statement, the windows' bands
kept per stamp."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Count, Max, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.changes.models import Change, Window
from apps.schedule import selectors, stamps
from apps.schedule.models import CalendarMark
from apps.schedule.selectors import EVENT_ROW, EpochMs, plain_columns, plain_rows
from tests.changes.factories import ChangeFactory, WindowFactory
from tests.schedule.conftest import iso

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


def event_queryset(start, end):
    return (
        Change.objects.filter(planned_start__lt=end, planned_end__gt=start)
        .order_by("id")
        .annotate(start_ms=EpochMs("planned_start"), end_ms=EpochMs("planned_end"))
        .values_list(*EVENT_ROW)
    )


def test_columns_hold_the_orms_rows_in_order(service, staging, future):
    titles = ["Plain", "Quotes ' and \" and {braces}, commas", "Ünïcødé — 変更", "NULL", "back\\slash", ""]
    made = [
        ChangeFactory(title=title, services=[service], environment=staging, planned_start=future + i * HOUR,
                      planned_end=future + (i + 1) * HOUR + dt.timedelta(microseconds=1500), status="approved")
        for i, title in enumerate(titles)
    ]  # fmt: skip
    ChangeFactory(services=[service], planned_start=future + 40 * HOUR, planned_end=future + 41 * HOUR)  # outside
    queryset = event_queryset(future, future + 24 * HOUR)
    expected = list(queryset)
    columns = plain_columns(queryset, EVENT_ROW)
    assert len(columns) == len(EVENT_ROW) and all(len(column) == len(made) for column in columns)
    assert [tuple(row) for row in zip(*columns, strict=True)] == expected == plain_rows(queryset, EVENT_ROW)
    assert [row[1] for row in expected] == titles
    first = made[0]
    assert expected[0][2:4] == (
        round(first.planned_start.timestamp() * 1000),
        round(first.planned_end.timestamp() * 1000),
    )
    assert all(type(value) is int for row in expected for value in (row[0], *row[2:4], *row[6:]))


def test_columns_of_nothing_are_empty_lists(future):
    assert plain_columns(event_queryset(future, future + HOUR), EVENT_ROW) == [[] for _ in EVENT_ROW]
    nothing = Change.objects.none().values_list(*EVENT_ROW[:2])
    assert plain_columns(nothing, EVENT_ROW[:2]) == [[], []]


def test_columns_that_need_converting_go_through_the_orm(service, future):
    change = ChangeFactory(services=[service], planned_start=future, planned_end=future + HOUR)
    queryset = Change.objects.filter(pk=change.pk).values_list("id", "planned_start", "visible_to_end_users")
    assert plain_columns(queryset, ("id", "planned_start", "visible_to_end_users")) == [
        [change.pk],
        [change.planned_start],
        [False],
    ]


def orm_stamp(now):
    recent = Change.objects.filter(updated_at__gte=now - stamps.RECENT).aggregate(n=Count("pk"), v=Sum("version"))
    windows = Window.objects.aggregate(n=Count("pk"), last=Max("updated_at"))
    last = Change.objects.aggregate(last=Max("updated_at"))["last"]
    mark = CalendarMark.objects.filter(pk=stamps.MARK_ID).values_list("moves", flat=True).first() or 0
    return (last, recent["n"], recent["v"], windows["n"], windows["last"], mark)


def test_the_stamp_is_what_the_orm_counts(service, future):
    now = timezone.now()
    assert tuple(stamps.calendar_stamp(now=now)) == orm_stamp(now) == (None, 0, None, 0, None, 0)
    change = ChangeFactory(services=[service], planned_start=future, planned_end=future + HOUR)
    WindowFactory(kind="freeze", starts_at=future, ends_at=future + HOUR)
    now = timezone.now()
    found = stamps.calendar_stamp(now=now)
    assert tuple(found) == orm_stamp(now) and found.recent_n == 1 and found.changes_last == change.updated_at
    assert found.windows_n == 1 and found.windows_last.tzinfo is not None
    later = now + stamps.RECENT + HOUR  # the change has left the recent span: only the maximum still shows it
    assert tuple(stamps.calendar_stamp(now=later)) == orm_stamp(later) and stamps.calendar_stamp(now=later)[1] == 0


def test_the_mark_moves_in_the_database_with_deletions_and_service_edits(service, other_service, future):
    change = ChangeFactory(services=[service], planned_start=future, planned_end=future + HOUR)
    before = stamps.calendar_stamp().mark
    change.services.add(other_service)  # directly, as the admin or a shell would: no updated_at moves
    after_edit = stamps.calendar_stamp()
    change.delete()
    after_delete = stamps.calendar_stamp()
    assert before < after_edit.mark < after_delete.mark
    assert tuple(after_delete) == orm_stamp(timezone.now())


def test_the_stamp_is_one_query(service, future):
    with CaptureQueriesContext(connection) as queries:
        stamps.calendar_stamp()
    assert len(queries) == 1


def test_bands_follow_every_window_write(client_for, manager, future):
    client, end = client_for(manager), future + dt.timedelta(days=7)

    def bands():
        answer = client.get("/changes/calendar/events/", {"start": iso(future), "end": iso(end)})
        return sorted(band["title"] for band in answer.json()["windows"])

    window = WindowFactory(kind="freeze", title="Close", starts_at=future + HOUR, ends_at=future + 2 * HOUR)
    assert bands() == ["Freeze: Close"]
    window.title = "Quarter close"
    window.save()
    assert bands() == ["Freeze: Quarter close"]
    other = WindowFactory(kind="maintenance", title="Patch", starts_at=future + HOUR, ends_at=future + 2 * HOUR,
                          rrule="FREQ=DAILY")  # fmt: skip
    assert bands().count("Maintenance: Patch") == 7
    window.delete()
    other.is_active = False
    other.save()
    assert bands() == []
    assert len(selectors._BANDS) <= selectors.BANDS_KEPT
