"""The calendar's events endpoint: range bounds, the change list's filters, permissions, windows, conflicts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.changes.factories import ChangeFactory, WindowFactory
from tests.factories import ServiceFactory
from tests.schedule.conftest import iso

pytestmark = pytest.mark.django_db
URL = "/changes/calendar/events/"


def events(client, start, end, **filters):
    answer = client.get(URL, {"start": iso(start), "end": iso(end), **filters})
    assert answer.status_code == 200, answer.content
    return answer.json()


def numbers(found):
    return sorted(e["id"] for e in found if e.get("display") != "background")


def test_only_changes_overlapping_the_range(client_for, owner, service, staging, future):
    hour = dt.timedelta(hours=1)
    inside = ChangeFactory(planned_start=future + hour, planned_end=future + 2 * hour, services=[service])
    straddles = ChangeFactory(planned_start=future - hour, planned_end=future + hour, services=[service])
    before = ChangeFactory(planned_start=future - 3 * hour, planned_end=future, services=[service])  # ends at start
    after = ChangeFactory(planned_start=future + 24 * hour, planned_end=future + 25 * hour, services=[service])
    found = events(client_for(owner), future, future + 24 * hour)
    assert numbers(found) == sorted([inside.number, straddles.number])
    assert before.number not in numbers(found) and after.number not in numbers(found)
    event = next(e for e in found if e["id"] == inside.number)
    assert event["start"] == iso(inside.planned_start) and event["end"] == iso(inside.planned_end)
    assert event["extendedProps"]["panel"] == f"/changes/calendar/{inside.number}/panel/"


def test_bad_ranges_answer_400(client_for, owner, future):
    client = client_for(owner)
    assert client.get(URL).status_code == 400
    assert client.get(URL, {"start": "yesterday", "end": iso(future)}).status_code == 400
    answer = client.get(URL, {"start": iso(future), "end": iso(future - dt.timedelta(days=1))})
    assert answer.status_code == 400 and "end" in answer.json()["errors"]
    answer = client.get(URL, {"start": iso(future), "end": iso(future + dt.timedelta(days=200))})
    assert answer.status_code == 400


def test_the_change_lists_filters_apply(client_for, manager, service, other_service, staging, production, future):
    hour = dt.timedelta(hours=1)
    common = {"planned_start": future + hour, "planned_end": future + 2 * hour}
    high = ChangeFactory(services=[service], environment=production, tier="high", title="Alpha", **common)
    low = ChangeFactory(services=[other_service], environment=staging, tier="low", title="Beta", **common)
    client, end = client_for(manager), future + dt.timedelta(days=1)
    assert numbers(events(client, future, end, tier="high")) == [high.number]
    assert numbers(events(client, future, end, service="search")) == [low.number]
    assert numbers(events(client, future, end, environment="production")) == [high.number]
    assert numbers(events(client, future, end, q="beta")) == [low.number]
    assert numbers(events(client, future, end, status="draft")) == sorted([high.number, low.number])
    assert client.get(URL, {"start": iso(future), "end": iso(end), "tier": "enormous"}).status_code == 400


def test_an_outsider_sees_nothing_of_a_service_they_have_no_part_in(client_for, outsider, owner, service, future):
    hour = dt.timedelta(hours=1)
    change = ChangeFactory(services=[service], planned_start=future + hour, planned_end=future + 2 * hour)
    assert numbers(events(client_for(outsider), future, future + dt.timedelta(days=1))) == []
    assert numbers(events(client_for(owner), future, future + dt.timedelta(days=1))) == [change.number]


def test_anonymous_goes_to_the_login_page(client, future):
    assert client.get(URL, {"start": iso(future), "end": iso(future + dt.timedelta(days=1))}).status_code == 302


def test_windows_are_background_bands_and_recurring_ones_are_expanded(client_for, owner, production, staging, future):
    weekly = WindowFactory(
        kind="freeze", title="Weekly", starts_at=future, ends_at=future + dt.timedelta(hours=2),
        rrule="FREQ=WEEKLY", timezone="UTC", environments=[production],
    )  # fmt: skip
    found = events(client_for(owner), future, future + dt.timedelta(days=28))
    bands = [e for e in found if e.get("display") == "background"]
    assert [b["start"] for b in bands] == [iso(future + dt.timedelta(weeks=n)) for n in range(4)]
    assert all(b["groupId"] == f"window-{weekly.pk}" and b["classNames"] == ["win-freeze"] for b in bands)
    assert "(UTC)" in bands[0]["extendedProps"]["local"]
    staging_only = events(client_for(owner), future, future + dt.timedelta(days=28), environment="staging")
    assert not [e for e in staging_only if e.get("display") == "background"]


def test_conflicts_are_flagged(client_for, manager, service, other_service, staging, future):
    hour = dt.timedelta(hours=1)
    a = ChangeFactory(services=[service], status="approved", planned_start=future, planned_end=future + 2 * hour)
    b = ChangeFactory(services=[service], status="awaiting_approval", planned_start=future + hour,
                      planned_end=future + 3 * hour, environment=a.environment)  # fmt: skip
    apart = ChangeFactory(services=[other_service], status="approved", planned_start=future,
                          planned_end=future + hour, environment=a.environment)  # fmt: skip
    cancelled = ChangeFactory(services=[service], status="cancelled", planned_start=future,
                              planned_end=future + hour, environment=a.environment)  # fmt: skip
    found = {e["id"]: e for e in events(client_for(manager), future, future + dt.timedelta(days=1))}
    assert found[a.number]["extendedProps"]["conflict"] and found[b.number]["extendedProps"]["conflict"]
    assert "chg-conflict" in found[a.number]["classNames"]
    assert not found[apart.number]["extendedProps"]["conflict"]
    assert not found[cancelled.number]["extendedProps"]["conflict"]
    assert "chg-status-cancelled" in found[cancelled.number]["classNames"]


def test_editable_only_for_those_who_may_edit(client_for, owner, agent, service, future):
    hour = dt.timedelta(hours=1)
    change = ChangeFactory(services=[service], planned_start=future, planned_end=future + hour)
    mine = events(client_for(owner), future, future + dt.timedelta(days=1))
    assert next(e for e in mine if e["id"] == change.number)["editable"] is True  # owner team member
    theirs = events(client_for(agent), future, future + dt.timedelta(days=1))
    assert next(e for e in theirs if e["id"] == change.number)["editable"] is False  # reads every change only


def test_the_query_count_does_not_grow_with_the_rows(client_for, owner, service, staging, future):
    client = client_for(owner)
    WindowFactory(kind="maintenance", starts_at=future, ends_at=future + dt.timedelta(hours=1), rrule="FREQ=DAILY")

    def count(n):
        for i in range(n):
            start = future + dt.timedelta(hours=i)
            extra = ServiceFactory(owner_team=service.owner_team)
            ChangeFactory(services=[service, extra], planned_start=start, planned_end=start + dt.timedelta(hours=2))
        with CaptureQueriesContext(connection) as queries:
            events(client, future, future + dt.timedelta(days=7))
        return len(queries)

    count(0)  # the session, the user and the windows' cache are read once
    assert count(2) == count(20)
