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


def payload(client, start, end, **filters):
    answer = client.get(URL, {"start": iso(start), "end": iso(end), **filters})
    assert answer.status_code == 200, answer.content
    return answer.json()


def rows(data):
    """The changes as dicts, one per change, as calendar.js reads the columns: the id written as the change's number
    with the answer's prefix and digits."""
    columns, number = data["changes"], data["number"]
    found = [dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)]
    for row in found:
        row["id"] = number["prefix"] + str(row["id"]).zfill(number["digits"])
    return found


def events(client, start, end, **filters):
    """The changes as dicts (rows), then the windows."""
    data = payload(client, start, end, **filters)
    return rows(data) + data["windows"]


def ms(moment):
    return round(moment.timestamp() * 1000)


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
    assert event["start"] == ms(inside.planned_start) and event["end"] == ms(inside.planned_end)
    assert event["title"] == inside.title and event["version"] == inside.version
    urls = payload(client_for(owner), future, future + 24 * hour)["urls"]
    assert urls["panel"].replace(urls["placeholder"], inside.number) == f"/changes/calendar/{inside.number}/panel/"
    assert urls["move"].replace(urls["placeholder"], inside.number) == f"/changes/calendar/{inside.number}/move/"


def test_rows_name_their_services_environment_and_status(client_for, owner, service, other_service, staging, future):
    hour = dt.timedelta(hours=1)
    other_service.owner_team = service.owner_team
    other_service.save()
    change = ChangeFactory(planned_start=future, planned_end=future + hour, services=[service, other_service],
                           environment=staging, status="awaiting_approval")  # fmt: skip
    data = payload(client_for(owner), future, future + 24 * hour)
    [row] = rows(data)
    names = [data["services"][str(pk)] for pk in row["services"]]
    assert names == sorted([service.name, other_service.name])
    assert data["environments"][str(row["environment"])] == staging.name
    assert data["statuses"][row["status"]] == "Awaiting approval" and row["id"] == change.number


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
    assert bands == payload(client_for(owner), future, future + dt.timedelta(days=28))["windows"]
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
    assert found[a.number]["conflict"] and found[b.number]["conflict"]
    assert not found[apart.number]["conflict"]
    assert not found[cancelled.number]["conflict"]
    assert found[cancelled.number]["status"] == "cancelled"


def test_conflicts_match_every_pair_that_overlaps(client_for, manager, service, staging, production, future):
    """The database's lane sweep flags exactly the changes that overlap another on a shared service and
    environment: checked against every pair, on touching, nested, equal and chained intervals."""
    hour = dt.timedelta(hours=1)
    spans = [(0, 2), (2, 3), (1, 5), (6, 7), (6, 7), (8, 9), (8.5, 8.75), (10, 11), (11, 12), (12, 14), (13, 13.5)]
    made = []
    for i, (begins, ends) in enumerate(spans):
        environment = staging if i % 4 else production
        made.append(ChangeFactory(services=[service], status="approved", environment=environment,
                                  planned_start=future + begins * hour, planned_end=future + ends * hour))  # fmt: skip
    expected = {
        x.number
        for x in made
        for y in made
        if x.pk != y.pk and x.environment_id == y.environment_id
        and x.planned_start < y.planned_end and y.planned_start < x.planned_end
    }  # fmt: skip
    found = events(client_for(manager), future, future + dt.timedelta(days=1))
    assert {e["id"] for e in found if e.get("conflict")} == expected
    assert expected and len(expected) < len(made)


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


def test_what_viewers_share_follows_every_write(client_for, manager, service, other_service, staging, future):
    """Links and conflicts of a range are kept per stamp: a move, a change of services or a deletion shows at once."""
    from apps.changes.services import change_update

    hour = dt.timedelta(hours=1)
    a = ChangeFactory(services=[service], status="approved", environment=staging, planned_start=future,
                      planned_end=future + 2 * hour)  # fmt: skip
    b = ChangeFactory(services=[service], status="approved", environment=staging, planned_start=future + hour,
                      planned_end=future + 3 * hour)  # fmt: skip
    client, end = client_for(manager), future + dt.timedelta(days=1)

    def conflicts():
        return {e["id"] for e in events(client, future, end) if e.get("conflict")}

    assert conflicts() == {a.number, b.number}
    b.services.set([other_service])  # not through a service: the mark moves
    assert conflicts() == set()
    b.services.set([service])
    assert conflicts() == {a.number, b.number}
    b.refresh_from_db()
    change_update(change=b, actor=manager, planned_start=future + 4 * hour, planned_end=future + 5 * hour)
    assert conflicts() == set()
    change_update(change=b, actor=manager, planned_start=future + hour, planned_end=future + 3 * hour)
    assert conflicts() == {a.number, b.number}
    a.delete()
    assert conflicts() == set() and numbers(events(client, future, end)) == [b.number]
