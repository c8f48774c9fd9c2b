"""The approver's inbox in the browser: who sees what, single and bulk decisions, htmx fragments."""

import pytest
from django.urls import reverse

from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.models import ServiceRequest
from tests.factories import UserFactory
from tests.fulfillment.factories import ServiceRequestFactory

S = RequestStatus
HX = {"HTTP_HX_REQUEST": "true"}
INBOX = reverse("fulfillment:approval-inbox")
BULK = reverse("fulfillment:approval-decide-bulk")
pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(owner, manager_item):
    def make(**kwargs):
        kwargs.setdefault("requester", owner)
        kwargs.setdefault("item", manager_item)
        return ServiceRequestFactory(status=S.AWAITING_APPROVAL, **kwargs)

    return make


def decide_url(sr):
    return reverse("fulfillment:approval-decide", args=[sr.number])


def test_inbox_shows_the_owners_request_to_their_manager_only(
    client_for, waiting, owner, teammate, outsider, agent, manager
):
    sr = waiting()

    assert sr.number in client_for(manager).get(INBOX).content.decode()
    for user in (owner, teammate, outsider, agent):
        response = client_for(user).get(INBOX)
        assert response.status_code == 200
        assert sr.number not in response.content.decode()
        assert "Nothing is waiting for your approval" in response.content.decode()


def test_inbox_shows_team_items_to_the_approval_team(client_for, waiting, team_item, approver, manager):
    sr = waiting(item=team_item)

    assert sr.number in client_for(approver).get(INBOX).content.decode()
    assert sr.number not in client_for(manager).get(INBOX).content.decode()


def test_inbox_needs_login(client):
    response = client.get(INBOX)

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_inbox_htmx_fragment_has_no_html_element(client_for, waiting, manager):
    sr = waiting()

    body = client_for(manager).get(INBOX, **HX).content.decode()

    assert "<html" not in body
    assert 'id="approval-inbox"' in body and sr.number in body


def test_inbox_query_count_is_independent_of_rows(client_for, waiting, manager, owner, django_assert_num_queries):
    client = client_for(manager)
    waiting()
    client.get(INBOX)  # warm caches that do not depend on the page (content types, sessions)
    with django_assert_num_queries(6) as few:
        assert client.get(INBOX).status_code == 200
    for _ in range(15):
        waiting(requester=UserFactory(member_of=[owner.primary_team]))
    with django_assert_num_queries(len(few.captured_queries)):
        body = client.get(INBOX).content.decode()
    assert body.count('name="numbers"') == 16


def test_approve_one_without_js_redirects_with_a_message(client_for, waiting, manager):
    sr = waiting()

    response = client_for(manager).post(
        decide_url(sr), {"decision": "approve", "comment": "ok", "version": sr.version}, follow=True
    )

    sr.refresh_from_db()
    assert sr.status == S.APPROVED
    assert response.redirect_chain[-1][0] == INBOX
    assert f"{sr.number} approved" in response.content.decode()


def test_reject_one_with_htmx_swaps_the_row(client_for, waiting, manager):
    sr = waiting()

    response = client_for(manager).post(decide_url(sr), {"decision": "reject", "comment": "no"}, **HX)

    body = response.content.decode()
    sr.refresh_from_db()
    assert sr.status == S.REJECTED
    assert "<html" not in body and body.strip().startswith(f'<tr id="approval-{sr.pk}"')
    assert "Rejected" in body


def test_self_approval_refused_in_the_view(client_for, waiting, manager):
    sr = waiting(requester=manager)

    body = client_for(manager).post(decide_url(sr), {"decision": "approve"}, **HX).content.decode()

    sr.refresh_from_db()
    assert sr.status == S.AWAITING_APPROVAL
    assert "own request" in body


def test_teammate_cannot_decide_and_outsider_gets_404(client_for, waiting, teammate, outsider, owner):
    sr = waiting()

    assert client_for(outsider).post(decide_url(sr), {"decision": "approve"}).status_code == 404
    client_for(owner).post(decide_url(sr), {"decision": "approve"})  # the requester sees it but may not decide
    sr.refresh_from_db()
    assert sr.status == S.AWAITING_APPROVAL


def test_stale_version_is_reported_not_applied(client_for, waiting, manager):
    sr = waiting()

    body = (
        client_for(manager)
        .post(decide_url(sr), {"decision": "approve", "version": sr.version + 1}, **HX)
        .content.decode()
    )

    sr.refresh_from_db()
    assert sr.status == S.AWAITING_APPROVAL
    assert "changed by someone else" in body


def test_bulk_approve_without_js(client_for, waiting, manager):
    first, second = waiting(), waiting()

    response = client_for(manager).post(
        BULK, {"numbers": [first.number, second.number], "decision": "approve", "comment": "batch"}, follow=True
    )

    assert ServiceRequest.objects.filter(status=S.APPROVED).count() == 2
    assert "2 requests approved" in response.content.decode()


def test_bulk_with_mixed_permissions_says_which_and_why(client_for, waiting, manager, team_item):
    mine = waiting()
    not_mine = waiting(item=team_item)
    own = waiting(requester=manager)

    response = client_for(manager).post(
        BULK, {"numbers": [mine.number, not_mine.number, own.number, "SR-999999"], "decision": "approve"}, **HX
    )

    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "Nothing was decided" in body
    assert f"<strong>{not_mine.number}</strong>: you are not its approver" in body
    assert f"<strong>{own.number}</strong>: you filed it" in body
    assert "<strong>SR-999999</strong>: no such request" in body
    assert ServiceRequest.objects.filter(status=S.AWAITING_APPROVAL).count() == 3


def test_bulk_refusal_without_js_renders_the_full_page(client_for, waiting, manager):
    own = waiting(requester=manager)

    response = client_for(manager).post(BULK, {"numbers": [own.number], "decision": "reject"})

    body = response.content.decode()
    assert "<html" in body and "you filed it" in body


def test_bulk_with_nothing_selected_or_bad_decision(client_for, waiting, manager):
    sr = waiting()
    client = client_for(manager)

    assert "Select at least one" in client.post(BULK, {"decision": "approve"}, **HX).content.decode()
    assert "approve" in client.post(BULK, {"numbers": [sr.number], "decision": "x"}, **HX).content.decode()
    sr.refresh_from_db()
    assert sr.status == S.AWAITING_APPROVAL


def test_inbox_page_uses_get_only(client_for, manager):
    assert client_for(manager).post(INBOX).status_code == 405
