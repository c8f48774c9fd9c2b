"""The registry: several providers feed one inbox, and each provider's refusals answer the right status."""

import pytest
from django.urls import reverse

from apps.approvals import services
from apps.approvals.exceptions import ApprovalInvalid, ApprovalNotFound
from apps.approvals.registry import get_provider, provider_for_key, provider_list
from apps.approvals.selectors import PendingInbox, pending_count, pending_list
from apps.core.models import AuditEvent
from tests.approvals.conftest import REFUSALS

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def test_the_apps_register_their_providers():
    keys = {provider.key for provider in provider_list()}

    assert {"fulfillment.request", "changes.change"} <= keys
    assert provider_for_key("SR-000012").key == "fulfillment.request"
    assert provider_for_key("chg-000012").key == "changes.change"
    with pytest.raises(ApprovalNotFound):
        provider_for_key("XYZ-1")
    with pytest.raises(ApprovalNotFound):
        get_provider("nope.nothing")


def test_two_providers_feed_one_inbox_oldest_first(fakes, admin_user):
    tickets, orders = fakes
    old_ticket = tickets.add(1, hours_ago=30)
    order = orders.add(2, hours_ago=20)
    new_ticket = tickets.add(3, hours_ago=1)

    items = pending_list(admin_user, limit=10, providers=[get_provider("fake.ticket"), get_provider("fake.order")])

    assert [item.key for item in items] == [old_ticket, order, new_ticket]
    assert [item.provider_label for item in items] == ["Ticket", "Order", "Ticket"]
    assert pending_count(admin_user, providers=[get_provider("fake.order")]) == 1


def test_the_inbox_page_asks_each_provider_for_one_page_only(fakes, admin_user):
    tickets, orders = fakes
    for n in range(3):
        tickets.add(n, hours_ago=10 + n)
        orders.add(n, hours_ago=n)
    inbox = PendingInbox(admin_user, [get_provider("fake.ticket"), get_provider("fake.order")])

    assert inbox.count() == 6
    assert [item.key for item in inbox[0:2]] == ["TK-2", "TK-1"]
    assert [item.key for item in inbox[4:6]] == ["OR-1", "OR-0"]


def test_the_html_inbox_lists_both_providers(fakes, client_for, admin_user):
    tickets, orders = fakes
    ticket, order = tickets.add(1, hours_ago=5, title="Fake ticket"), orders.add(1, hours_ago=4, title="Fake order")

    body = client_for(admin_user).get(reverse("approvals:inbox")).content.decode()

    assert body.index(ticket) < body.index(order)
    assert 'value="fake.ticket:TK-1"' in body and 'value="fake.order:OR-1"' in body


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_providers_refusal_maps_to_its_status_in_the_api(fakes, api, admin_user, case):
    tickets, _orders = fakes
    key = tickets.add(1, hours_ago=1)
    error, code = REFUSALS[case]
    tickets.refuse[key] = error

    response = api(admin_user).post(
        f"/api/v1/approvals/fake.ticket/{key}/decide/", {"decision": "approve"}, format="json"
    )

    assert response.status_code == code
    if case == "invalid":
        assert response.json() == {"comment": ["Say why."]}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_providers_refusal_is_shown_on_the_row_in_html(fakes, client_for, admin_user, case):
    tickets, _orders = fakes
    key = tickets.add(1, hours_ago=1)
    error, code = REFUSALS[case]
    tickets.refuse[key] = error
    url = reverse("approvals:decide", args=["fake.ticket", key])

    response = client_for(admin_user).post(url, {"decision": "approve"}, **HX)

    if code == 404:
        assert response.status_code == 404
    else:  # htmx swaps 2xx only: the row comes back with the reason and the form to try again
        body = response.content.decode()
        assert response.status_code == 200 and error.message in body and 'name="decision"' in body


def test_the_legacy_route_finds_the_provider_by_number(fakes, api, admin_user):
    tickets, _orders = fakes
    key = tickets.add(7, hours_ago=1)

    response = api(admin_user).post(
        f"/api/v1/approvals/{key}/decide/", {"decision": "reject", "comment": "not needed"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "reject" and key not in tickets.items


def test_token_scopes_choose_the_providers(fakes, api, admin_user):
    tickets, orders = fakes
    tickets.add(1, hours_ago=2)
    order = orders.add(1, hours_ago=1)

    listed = api(admin_user, scopes=["changes"]).get("/api/v1/approvals/").json()["results"]
    assert [row["key"] for row in listed] == [order]
    refused = api(admin_user, scopes=["changes"]).post(
        "/api/v1/approvals/fake.ticket/TK-1/decide/", {"decision": "approve"}
    )
    assert refused.status_code == 403 and "TK-1" in tickets.items


def test_bulk_across_providers_is_all_or_nothing(fakes, admin_user):
    tickets, orders = fakes
    first, second = tickets.add(1, hours_ago=3), orders.add(2, hours_ago=2)
    refused = tickets.add(3, hours_ago=1)
    tickets.refuse[refused] = REFUSALS["refused"][0]
    items = [("fake.ticket", first), ("fake.order", second), ("fake.ticket", refused), ("nope.nothing", "X-1")]

    with pytest.raises(services.BulkRefused) as caught:
        services.approval_decide_bulk(actor=admin_user, items=items, decision="approve")

    assert [(r.key, r.reason) for r in caught.value.refusals] == [
        (refused, "not yours"),
        ("X-1", "There is no approval provider “nope.nothing”."),
    ]
    assert not AuditEvent.objects.filter(verb="fake_decided").exists()  # the two decisions taken were rolled back


def test_bulk_decides_every_item_of_every_provider(fakes, admin_user):
    tickets, orders = fakes
    items = [services.parse_item("fake.ticket:" + tickets.add(1, hours_ago=2)), services.parse_item("OR-2")]
    orders.add(2, hours_ago=1)

    decided = services.approval_decide_bulk(actor=admin_user, items=items, decision="approve", comment="ok")

    assert [d.key for d in decided] == ["TK-1", "OR-2"]
    assert AuditEvent.objects.filter(verb="fake_decided").count() == 2


@pytest.mark.parametrize(
    ("decision", "comment", "field"),
    [
        ("maybe", "", "decision"),
        ("approve", "x" * (services.COMMENT_MAX_CHARS + 1), "comment"),
        ("reject", "\x00", "comment"),
        ("reject", "   ", "comment"),  # a rejection says why, whatever the provider
    ],
)
def test_shared_input_checks_name_the_field(fakes, admin_user, decision, comment, field):
    tickets, _orders = fakes
    key = tickets.add(1, hours_ago=1)

    with pytest.raises(ApprovalInvalid) as caught:
        services.approval_decide(actor=admin_user, provider="fake.ticket", key=key, decision=decision, comment=comment)

    assert list(caught.value.errors) == [field]
    assert key in tickets.items


def test_bulk_needs_a_selection_and_a_bound(admin_user):
    with pytest.raises(ApprovalInvalid, match="at least one"):
        services.approval_decide_bulk(actor=admin_user, items=[], decision="approve")
    too_many = [("fulfillment.request", f"SR-{n}") for n in range(services.BULK_MAX + 1)]
    with pytest.raises(ApprovalInvalid, match="at most"):
        services.approval_decide_bulk(actor=admin_user, items=too_many, decision="approve")
