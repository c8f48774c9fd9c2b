"""The agent queue: who sees which queue, every filter and ready view (HTML = API), sorting, pages without a
count, a pinned query count, bulk actions all-or-nothing, saved filters, CSV export, canned replies."""

import csv
import dataclasses
import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import TeamHoliday
from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.models import CannedReply, SavedFilter, ServiceRequest
from apps.fulfillment.selectors.queue import COUNT_CAP
from apps.fulfillment.selectors.sla import calendar_for_team, clock_text
from tests.factories import CatalogItemFactory, ServiceFactory, TeamFactory, UserFactory
from tests.fulfillment.factories import ServiceRequestFactory

S = RequestStatus
HX = {"HTTP_HX_REQUEST": "true"}
QUEUE = "/requests/queue/"
LIST = "/api/v1/requests/"


def numbers_in(html: str) -> set[str]:
    import re

    return set(re.findall(r'href="/requests/(SR-\d+)/"', html))


def ordered_numbers(html: str) -> list[str]:
    import re

    return re.findall(r'<td><a href="/requests/(SR-\d+)/"', html)


@pytest.fixture
def other_agent(other_team):
    return UserFactory(username="agent2", roles=["Agents"], member_of=[other_team])


@pytest.fixture
def hardware(desk_team):
    return CatalogItemFactory(
        slug="laptop-x", name="Laptop", fulfilling_team=desk_team, service=ServiceFactory(slug="hardware")
    )


@pytest.fixture
def elsewhere_item(other_team):
    return CatalogItemFactory(slug="elsewhere-item", name="Elsewhere thing", fulfilling_team=other_team)


@pytest.fixture
def data(owner, agent, item, hardware, elsewhere_item):
    """Requests of desk_team in every queue situation, plus one of another team."""
    now = timezone.now()
    made = {
        "a": dict(priority="high", answers={"reason": "needle in the answers"}),
        "b": dict(status=S.IN_PROGRESS, assignee=agent, due_at=now + dt.timedelta(minutes=30)),
        "c": dict(status=S.IN_PROGRESS, assignee=agent, due_at=now - dt.timedelta(hours=1)),
        "d": dict(status=S.ON_HOLD),
        "e": dict(escalated_at=now - dt.timedelta(minutes=5), due_at=now + dt.timedelta(hours=3)),
        "f": dict(status=S.CLOSED, assignee=agent),
        "h": dict(item=hardware),
        "g": dict(item=elsewhere_item),
    }
    out = {}
    for key, kwargs in made.items():
        kwargs.setdefault("item", item)
        out[key] = ServiceRequestFactory(requester=owner, **kwargs)
    return out


def api_numbers(user, params) -> set[str]:
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(LIST, params)
    assert response.status_code == 200, response.content
    return {row["number"] for row in response.json()["results"]}


# --- access ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 403), ("teammate", 403), ("outsider", 403), ("agent", 200), ("manager", 200), ("admin_user", 200)],
)
def test_queue_is_for_agents_and_managers(request, client_for, who, status):
    client = client_for(request.getfixturevalue(who))
    assert client.get(QUEUE).status_code == status
    assert client.get(reverse("fulfillment:queue-export")).status_code == status


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get(QUEUE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_agents_see_their_teams_queue_only(client_for, data, agent, other_agent):
    desk = {sr.number for key, sr in data.items() if key != "g"}
    assert numbers_in(client_for(agent).get(QUEUE).content.decode()) == desk
    assert numbers_in(client_for(other_agent).get(QUEUE).content.decode()) == {data["g"].number}


@pytest.mark.django_db
def test_manager_sees_the_queue_of_the_team_they_manage(client_for, manager, agent, owner, owner_team, item):
    managed_item = CatalogItemFactory(slug="product-thing", fulfilling_team=owner_team)
    managed = ServiceRequestFactory(requester=owner, item=managed_item)
    desk = ServiceRequestFactory(requester=owner, item=item)
    assert numbers_in(client_for(manager).get(QUEUE).content.decode()) == {managed.number}
    assert numbers_in(client_for(agent).get(QUEUE).content.decode()) == {desk.number}


@pytest.mark.django_db
def test_agent_of_another_team_gets_404_on_a_request(client_for, data, other_agent, agent):
    assert client_for(other_agent).get(data["a"].get_absolute_url()).status_code == 404
    assert client_for(agent).get(data["a"].get_absolute_url()).status_code == 200
    url = reverse("fulfillment:request-assign-me", args=[data["a"].number])
    assert client_for(other_agent).post(url).status_code == 404


# --- filters and ready views: HTML and API answer the same rows -----------------------------------------------

CASES = [
    ({"view": "mine"}, "bc"),
    ({"view": "unassigned"}, "adeh"),
    ({"view": "overdue"}, "ce"),
    ({"view": "waiting"}, "d"),
    ({"status": ["new", "on_hold"]}, "adeh"),
    ({"state": "closed"}, "f"),
    ({"priority": "high"}, "a"),
    ({"team": "service-desk"}, "abcdefh"),
    ({"team": "elsewhere"}, ""),
    ({"assignee": "me"}, "bcf"),
    ({"assignee": "unassigned"}, "adeh"),
    ({"assignee": "agent"}, "bcf"),
    ({"item": "access-request"}, "abcdef"),
    ({"service": "hardware"}, "h"),
    ({"due": "soon"}, "b"),
    ({"due": "overdue"}, "ce"),
    ({"due": "paused"}, "d"),
    ({"q": "needle"}, "a"),
    ({"q": "NEEDLE in"}, "a"),
    ({"q": "Laptop"}, "h"),
    ({"status": "in_progress", "assignee": "me", "due": "overdue"}, "c"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("params", "keys"), CASES, ids=[str(p) for p, _ in CASES])
def test_filter_gives_the_same_rows_in_html_and_api(client_for, data, agent, params, keys):
    expected = {data[k].number for k in keys}
    assert numbers_in(client_for(agent).get(QUEUE, params).content.decode()) == expected
    assert api_numbers(agent, params) == expected


@pytest.mark.django_db
def test_id_number_and_date_filters(client_for, data, agent, desk_team):
    client, c = client_for(agent), data["c"]
    desk = {sr.number for key, sr in data.items() if key != "g"}
    today, tomorrow = timezone.localdate(), timezone.localdate() + dt.timedelta(days=1)
    cases = [
        ({"team_id": desk_team.pk}, desk),
        ({"assignee_id": agent.pk, "state": "open"}, {data["b"].number, c.number}),
        ({"q": c.number}, {c.number}),
        ({"q": str(c.pk)}, {c.number}),
        ({"created_after": tomorrow.isoformat()}, set()),
        ({"created_after": today.isoformat(), "created_before": today.isoformat()}, desk),
        ({"updated_before": (today - dt.timedelta(days=1)).isoformat()}, set()),
        ({"updated_after": today.isoformat()}, desk),
    ]
    for params, expected in cases:
        assert numbers_in(client.get(QUEUE, params).content.decode()) == expected, params
        assert api_numbers(agent, params) == expected, params


@pytest.mark.django_db
def test_bad_filter_values_never_give_500(client_for, data, agent):
    client = client_for(agent)
    for params in [{"status": "bogus"}, {"due": "x"}, {"created_after": "never"}, {"team_id": "x"}, {"page": "-3"},
                   {"ordering": "password"}, {"q": "\x00"}, {"view": "nope"}, {"page": "99999999999999"}]:  # fmt: skip
        assert client.get(QUEUE, params).status_code == 200, params
    api = APIClient()
    api.force_authenticate(agent)
    assert api.get(LIST, {"status": "bogus"}).status_code == 400
    assert api.get(LIST, {"ordering": "password"}).status_code == 400


@pytest.mark.django_db
def test_my_requests_page_accepts_the_shared_filters(client_for, data, owner):
    client = client_for(owner)
    body = client.get(reverse("fulfillment:request-mine"), {"q": "needle"}).content.decode()
    assert numbers_in(body) == {data["a"].number}


# --- sorting and pages -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_sorting_by_columns(client_for, make_sr, agent):
    low, urgent, normal = make_sr(priority="low"), make_sr(priority="urgent"), make_sr(priority="normal")
    later = timezone.now() + dt.timedelta(hours=5)
    ServiceRequest.objects.filter(pk=low.pk).update(due_at=later)
    client = client_for(agent)
    assert ordered_numbers(client.get(QUEUE, {"ordering": "-priority"}).content.decode()) == [
        urgent.number, normal.number, low.number]  # fmt: skip
    assert ordered_numbers(client.get(QUEUE, {"ordering": "priority"}).content.decode()) == [
        low.number, normal.number, urgent.number]  # fmt: skip
    assert ordered_numbers(client.get(QUEUE, {"ordering": "number"}).content.decode()) == [
        low.number, urgent.number, normal.number]  # fmt: skip
    # Requests with a due time come first when sorting by it (the index order on PostgreSQL and SQLite differ
    # for the ones without, in the descending direction).
    assert ordered_numbers(client.get(QUEUE, {"ordering": "due"}).content.decode())[0] == low.number
    ServiceRequest.objects.filter(pk=urgent.pk).update(assignee=agent)
    for ordering in ("assignee", "-assignee"):  # unassigned last either way
        assert ordered_numbers(client.get(QUEUE, {"ordering": ordering}).content.decode())[0] == urgent.number


@pytest.mark.django_db
def test_sort_headers_keep_the_filters_and_toggle(client_for, make_sr, agent):
    make_sr(priority="high")
    body = client_for(agent).get(QUEUE, {"priority": "high", "ordering": "priority"}, **HX).content.decode()
    assert "<html" not in body and 'id="queue-results"' in body
    assert 'href="?priority=high&amp;ordering=-priority"' in body  # second click reverses, the filter stays
    assert 'aria-sort="ascending"' in body
    assert 'id="queue-ordering"' in body and 'hx-swap-oob="true"' in body
    # "Save filter" follows the swapped filters too.
    assert 'id="queue-save-query" value="priority=high&amp;ordering=priority" hx-swap-oob="true"' in body


@pytest.mark.django_db
def test_api_ordering_follows_the_cursor(make_sr, agent):
    first, second = make_sr(), make_sr()
    api = APIClient()
    api.force_authenticate(agent)
    assert [r["number"] for r in api.get(LIST, {"ordering": "number"}).json()["results"]] == [
        first.number,
        second.number,
    ]
    assert [r["number"] for r in api.get(LIST, {"ordering": "-number"}).json()["results"]] == [
        second.number,
        first.number,
    ]
    response = api.get(LIST, {"ordering": "priority"})
    assert response.status_code == 400 and "ordering" in response.json()


@pytest.mark.django_db
def test_pages_have_next_and_previous_and_count_at_most_a_capped_number(client_for, owner, item, agent):
    ServiceRequestFactory.create_batch(55, requester=owner, item=item)
    client = client_for(agent)
    with CaptureQueriesContext(connection) as queries:
        body = client.get(QUEUE).content.decode()
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and f"LIMIT {COUNT_CAP + 1}" in counts[0]  # never the whole table
    assert "55 requests" in body
    assert len(numbers_in(body)) == 50 and "Page 1" in body and 'rel="next"' in body and 'rel="prev"' not in body
    body = client.get(QUEUE, {"page": "2"}).content.decode()
    assert len(numbers_in(body)) == 5 and "Page 2" in body and 'rel="next"' not in body and 'rel="prev"' in body


@pytest.mark.django_db
def test_query_count_is_pinned_and_independent_of_rows(client_for, owner, item, agent, django_assert_num_queries):
    client = client_for(agent)
    SavedFilter.objects.create(user=agent, name="Mine", query="view=mine")
    ServiceRequestFactory.create_batch(5, requester=owner, item=item)
    # session, user with its permissions (accounts.backends), managed and member teams (one query:
    # selectors.queue.queue_team_ids), item choices, page of requests, saved filters
    with django_assert_num_queries(6):
        client.get(QUEUE, {"q": "reason", "ordering": "-due"})
    ServiceRequestFactory.create_batch(45, requester=owner, item=item, assignee=agent)
    with django_assert_num_queries(6):
        response = client.get(QUEUE, {"q": "reason", "ordering": "-due"})
    assert len(numbers_in(response.content.decode())) == 50


# --- bulk actions: all or nothing --------------------------------------------------------------------------


def ticked(*requests):
    return [f"{sr.pk}.{sr.version}" for sr in requests]


@pytest.mark.django_db
def test_bulk_assign_to_me_with_htmx_swaps_the_results(client_for, make_sr, agent):
    one, two = make_sr(), make_sr()
    body = (
        client_for(agent)
        .post(
            reverse("fulfillment:queue-bulk"),
            {"action": "assign_me", "selected": ticked(one, two), "query": "view=mine"},
            **HX,
        )
        .content.decode()
    )
    assert "<html" not in body and "2 request(s) assigned to agent" in body
    assert numbers_in(body) == {one.number, two.number}  # the results come back with the view's filter applied
    assert set(ServiceRequest.objects.values_list("assignee__username", flat=True)) == {"agent"}


@pytest.mark.django_db
def test_bulk_assign_to_a_teammate_without_js_redirects_back(client_for, make_sr, agent, desk_team):
    colleague = UserFactory(username="colleague", roles=["Agents"], member_of=[desk_team])
    one = make_sr()
    client = client_for(agent)
    response = client.post(
        reverse("fulfillment:queue-bulk"),
        {"action": "assign", "assignee": "colleague", "selected": ticked(one), "query": "priority=normal&page=3"},
    )
    assert response.status_code == 302 and response["Location"] == f"{QUEUE}?priority=normal"
    one.refresh_from_db()
    assert one.assignee == colleague
    assert "assigned to colleague" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_bulk_assign_with_a_forbidden_item_changes_nothing(client_for, make_sr, agent, elsewhere_item, owner):
    mine = make_sr()
    theirs = ServiceRequestFactory(requester=owner, item=elsewhere_item)
    body = (
        client_for(agent)
        .post(reverse("fulfillment:queue-bulk"), {"action": "assign_me", "selected": ticked(mine, theirs)}, **HX)
        .content.decode()
    )
    assert "Nothing was changed." in body and f"{theirs.number}: not in your queues" in body
    assert not ServiceRequest.objects.filter(assignee__isnull=False).exists()


@pytest.mark.django_db
def test_bulk_assign_by_a_manager_who_is_not_an_agent_is_refused(client_for, manager, owner, owner_team):
    managed = ServiceRequestFactory(
        requester=owner, item=CatalogItemFactory(slug="product-thing", fulfilling_team=owner_team)
    )
    body = (
        client_for(manager)
        .post(reverse("fulfillment:queue-bulk"), {"action": "assign_me", "selected": ticked(managed)}, **HX)
        .content.decode()
    )
    assert f"{managed.number}: only agents of Product can assign it" in body
    managed.refresh_from_db()
    assert managed.assignee is None


@pytest.mark.django_db
def test_bulk_status_with_one_illegal_move_changes_nothing(client_for, make_sr, agent):
    working, fresh = make_sr(status=S.IN_PROGRESS), make_sr(status=S.NEW)
    client = client_for(agent)
    response = client.post(
        reverse("fulfillment:queue-bulk"), {"action": "status", "to": "fulfilled", "selected": ticked(working, fresh)}
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Nothing was changed." in page and fresh.number in page and "cannot move to" in page
    assert set(ServiceRequest.objects.values_list("status", flat=True)) == {S.IN_PROGRESS, S.NEW}
    response = client.post(
        reverse("fulfillment:queue-bulk"), {"action": "status", "to": "fulfilled", "selected": ticked(working)}, **HX
    )
    working.refresh_from_db()
    assert working.status == S.FULFILLED and "moved to" in response.content.decode()


@pytest.mark.django_db
def test_bulk_refuses_stale_rows_and_bad_forms(client_for, make_sr, agent):
    sr = make_sr()
    stale = f"{sr.pk}.{sr.version + 1}"
    client = client_for(agent)
    body = client.post(
        reverse("fulfillment:queue-bulk"), {"action": "assign_me", "selected": [stale]}, **HX
    ).content.decode()
    assert "changed by someone else" in body
    bad = [
        {"action": "assign_me"},
        {"action": "assign", "selected": ticked(sr)},
        {"action": "status", "selected": ticked(sr)},
        {"action": "x", "selected": ticked(sr)},
        {"action": "assign_me", "selected": ["1.x"]},
    ]
    for data in bad:
        response = client.post(reverse("fulfillment:queue-bulk"), data, **HX)
        assert response.status_code == 200 and "alert-danger" in response.content.decode(), data
    sr.refresh_from_db()
    assert sr.assignee is None


@pytest.mark.django_db
def test_assign_me_from_a_row_and_from_the_request_page(client_for, make_sr, agent, owner):
    one, two = make_sr(), make_sr()
    client = client_for(agent)
    url = reverse("fulfillment:request-assign-me", args=[one.number])
    body = client.post(url, {"version": one.version, "query": "assignee=me"}, **HX).content.decode()
    assert "<html" not in body and numbers_in(body) == {one.number}
    response = client.post(reverse("fulfillment:request-assign-me", args=[two.number]))
    assert response.status_code == 302 and response["Location"] == two.get_absolute_url()
    two.refresh_from_db()
    assert two.assignee == agent
    # The requester sees the request but does not work on it.
    assert client_for(owner).post(url).status_code == 302
    one.refresh_from_db()
    assert one.assignee == agent


# --- saved filters ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_saved_filters_are_personal(client_for, agent, other_agent):
    client = client_for(agent)
    response = client.post(
        reverse("fulfillment:queue-filter-save"), {"name": "Hot stuff", "query": "priority=urgent&page=2"}
    )
    assert response.status_code == 302
    saved = SavedFilter.objects.get(user=agent)
    assert saved.query == "priority=urgent"
    assert "Hot stuff" in client.get(QUEUE).content.decode()
    apply_url = reverse("fulfillment:queue-filter-apply", args=[saved.pk])
    assert client.get(apply_url)["Location"] == f"{QUEUE}?priority=urgent"
    delete_url = reverse("fulfillment:queue-filter-delete", args=[saved.pk])
    stranger = client_for(other_agent)
    assert stranger.get(apply_url).status_code == 404
    assert stranger.post(delete_url).status_code == 404
    assert "Hot stuff" not in stranger.get(QUEUE).content.decode()
    assert client.post(delete_url).status_code == 302
    assert not SavedFilter.objects.exists()


# --- CSV export --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_csv_export_streams_the_filtered_queue(client_for, data, agent):
    ServiceRequest.objects.filter(pk=data["a"].pk).update(subject="=HYPERLINK(1)")
    response = client_for(agent).get(reverse("fulfillment:queue-export"), {"view": "unassigned"})
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {row["number"] for row in rows} == {data[k].number for k in "adeh"}
    by_number = {row["number"]: row for row in rows}
    assert by_number[data["a"].number]["subject"] == "'=HYPERLINK(1)"
    assert by_number[data["e"].number]["overdue"] == "yes" and by_number[data["h"].number]["overdue"] == "no"


# --- canned replies ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_canned_replies_only_for_agents_of_the_team(client_for, sr, agent, owner, approver, admin_user, other_team):
    CannedReply.objects.create(team=sr.team, title="Need more info", body='Could you tell us "which" host?')
    CannedReply.objects.create(team=other_team, title="Other team's reply", body="no")
    body = client_for(agent).get(sr.get_absolute_url()).content.decode()
    assert "Need more info" in body and "Other team&#x27;s reply" not in body
    assert 'data-body="Could you tell us &quot;which&quot; host?"' in body
    assert "Need more info" not in client_for(owner).get(sr.get_absolute_url()).content.decode()
    # A manager in the team without the agent role sees the request (approver) but gets no canned replies.
    ServiceRequest.objects.filter(pk=sr.pk).update(requester=approver)
    assert "Need more info" not in client_for(approver).get(sr.get_absolute_url()).content.decode()


# --- pickers ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pickers_search_as_you_type_and_list_nobody(client_for, agent, desk_team):
    UserFactory.create_batch(5, member_of=[desk_team])
    body = client_for(agent).get(QUEUE).content.decode()
    assert reverse("accounts:user-search") in body and reverse("accounts:team-search") in body
    assert "<datalist" in body and "user0" not in body


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["-3.750746862062188e+241", "1.5", "0", str(2**63), "x"])
def test_id_filters_refuse_numbers_that_are_not_ids_with_400(client_for, agent, value):
    client = client_for(agent)
    for name in ("team_id", "assignee_id"):
        response = client.get("/api/v1/requests/", {name: value})
        assert response.status_code == 400, (name, value)
        assert name in response.json()


@pytest.mark.django_db
def test_item_filter_offers_exactly_the_items_its_queryset_accepts(
    item, agent, owner, admin_user, desk_team, other_team
):
    """The options come from a precompiled read (selectors.queue.queue_item_choices), the validation from the
    filter's queryset: both must list the same items for every kind of user."""
    from django.test import RequestFactory

    from apps.fulfillment.filters import RequestFilterSet
    from apps.fulfillment.selectors.queue import queue_item_choices

    team_only = CatalogItemFactory(slug="desk-only", name="Desk only", fulfilling_team=desk_team, audience="teams")
    team_only.audience_teams.add(desk_team)
    CatalogItemFactory(slug="elsewhere-only", name="Elsewhere", fulfilling_team=other_team, audience="teams")
    CatalogItemFactory(slug="draft", name="Draft item", fulfilling_team=desk_team, status="draft")
    for user, expected in ((agent, 2), (owner, 1), (admin_user, 4)):
        request = RequestFactory().get("/")
        request.user = user
        accepted = RequestFilterSet(request=request).form.fields["item"].queryset
        assert queue_item_choices(user) == list(accepted.values_list("slug", "name"))
        assert len(queue_item_choices(user)) == expected


@pytest.mark.django_db
def test_query_count_with_sla_clocks_and_a_count_is_pinned(client_for, owner, item, agent, django_assert_num_queries):
    client = client_for(agent)
    due = timezone.now() + dt.timedelta(hours=3)
    ServiceRequestFactory.create_batch(55, requester=owner, item=item, status=S.IN_PROGRESS, due_at=due)
    # the six above: the capped count (a next page exists) and the team calendars come in the page's query
    with django_assert_num_queries(6):
        client.get(QUEUE)
    other = TeamFactory(slug="other-desk")
    TeamHoliday.objects.create(team_id=other.pk, date=dt.date(2030, 1, 1))
    agent.teams.add(other)
    other_item = CatalogItemFactory(fulfilling_team=other)
    ServiceRequestFactory.create_batch(30, requester=owner, item=other_item, status=S.IN_PROGRESS, due_at=due)
    with django_assert_num_queries(6):
        response = client.get(QUEUE)
    assert len(numbers_in(response.content.decode())) == 50
    with django_assert_num_queries(6):
        response = client.get(QUEUE, {"page": "2"})
    assert len(numbers_in(response.content.decode())) == 35 and "85 requests match" in response.content.decode()


@pytest.mark.django_db
def test_a_page_past_the_end_still_says_how_many_match(client_for, owner, item, agent):
    ServiceRequestFactory.create_batch(55, requester=owner, item=item)
    body = client_for(agent).get(QUEUE, {"page": "3"}).content.decode()
    assert "55 requests match" in body and not numbers_in(body)


@pytest.mark.django_db
def test_the_sla_column_skips_the_teams_holidays(client_for, make_sr, agent, desk_team):
    # Every day is a working day, 00:00-23:59 in UTC, except tomorrow: a holiday of the team.
    desk_team.working_days = [0, 1, 2, 3, 4, 5, 6]
    desk_team.workday_start, desk_team.workday_end = dt.time(0, 0), dt.time(23, 59, 59)
    desk_team.save()
    now = timezone.now()
    TeamHoliday.objects.create(team=desk_team, date=(now + dt.timedelta(days=1)).date())
    TeamHoliday.objects.create(team=desk_team, date=(now + dt.timedelta(days=30)).date())
    due = now + dt.timedelta(days=2, hours=2, minutes=10, seconds=30)
    sr = make_sr(status=S.IN_PROGRESS, due_at=due)
    calendar = calendar_for_team(desk_team)
    expected = clock_text(status=sr.status, due_at=due, overdue=False, calendar=calendar, now=timezone.now()).text
    without = clock_text(
        status=sr.status,
        due_at=due,
        overdue=False,
        calendar=dataclasses.replace(calendar, holidays=frozenset()),
        now=timezone.now(),
    ).text
    assert expected != without  # the holiday counts
    body = client_for(agent).get(QUEUE).content.decode()
    cells = dict(re.findall(r'href="/requests/(SR-\d+)/".*?class="sla sla-\w+"[^>]*>([^<]+)<', body))
    assert cells[sr.number] == expected


@pytest.mark.django_db
def test_the_sla_column_says_time_left_or_overdue_in_business_time(client_for, make_sr, agent, desk_team):
    # Every day is a working day, 00:00-23:59 in UTC: business time is (nearly) wall-clock time here.
    desk_team.working_days = [0, 1, 2, 3, 4, 5, 6]
    desk_team.workday_start, desk_team.workday_end = dt.time(0, 0), dt.time(23, 59, 59)
    desk_team.save()
    now = timezone.now()
    soon = make_sr(status=S.IN_PROGRESS, due_at=now + dt.timedelta(hours=2, minutes=10, seconds=30))
    late = make_sr(status=S.IN_PROGRESS, due_at=now - dt.timedelta(minutes=35, seconds=30))
    paused = make_sr(status=S.ON_HOLD, due_at=None)
    body = client_for(agent).get(QUEUE).content.decode()
    cells = dict(re.findall(r'href="/requests/(SR-\d+)/".*?class="sla sla-\w+"[^>]*>([^<]+)<', body))
    assert cells[soon.number] == "2 h 10 min left"
    assert cells[late.number] == "overdue 35 min"
    assert cells[paused.number] == "Paused"
    assert 'title="Due ' in body  # the exact due time on hover


@pytest.mark.django_db
def test_take_only_where_it_makes_sense(client_for, make_sr, agent, desk_team):
    colleague = UserFactory(username="colleague", first_name="Col", last_name="League", roles=["Agents"],
                            member_of=[desk_team])  # fmt: skip
    open_one = make_sr(status=S.IN_PROGRESS)
    closed = make_sr(status=S.CLOSED)
    theirs = make_sr(status=S.IN_PROGRESS, assignee=colleague)
    body = client_for(agent).get(QUEUE, {"state": ""}).content.decode()
    assert f'aria-label="Assign {open_one.number} to me">Take<' in body
    assert f"{closed.number}/assign-me/" not in body
    assert f'hx-confirm="{theirs.number} is assigned to Col League. Take it over?"' in body
