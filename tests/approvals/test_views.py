"""The approver's inbox in the browser: who sees what, single and bulk decisions, htmx fragments, the badge."""

import pytest
from django.urls import reverse

from apps.approvals.registry import dom_id
from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.models import ServiceRequest
from tests.factories import UserFactory

S = RequestStatus
HX = {"HTTP_HX_REQUEST": "true"}
INBOX = reverse("approvals:inbox")
BULK = reverse("approvals:decide-bulk")
BADGE = reverse("approvals:badge")
pytestmark = pytest.mark.django_db


def decide_url(sr):
    return reverse("approvals:decide", args=["fulfillment.request", sr.number])


def ref(sr):
    return f"fulfillment.request:{sr.number}"


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


def test_the_old_address_redirects_permanently(client):
    response = client.get("/requests/approvals/?page=2")

    assert response.status_code == 301
    assert response["Location"] == INBOX + "?page=2"


def test_inbox_htmx_fragment_has_no_html_element(client_for, waiting, manager):
    sr = waiting()

    body = client_for(manager).get(INBOX, **HX).content.decode()

    assert "<html" not in body
    assert body.strip().startswith('<section id="approval-inbox"') and sr.number in body


def test_inbox_query_count_is_pinned_and_independent_of_rows(
    client_for, waiting, manager, owner, django_assert_num_queries
):
    client = client_for(manager)
    waiting()
    client.get(INBOX)  # warm caches that do not depend on the page (content types, sessions)
    # Session, user; requests: one page (no count below a page); changes: teams (member and managed), board, changes.
    with django_assert_num_queries(6) as few:
        assert client.get(INBOX).status_code == 200
    for _ in range(15):
        waiting(requester=UserFactory(member_of=[owner.primary_team]))
    with django_assert_num_queries(len(few.captured_queries)):
        body = client.get(INBOX).content.decode()
    assert body.count('name="items"') == 16


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
    assert "<html" not in body and body.strip().startswith(f'<tr id="{dom_id("fulfillment.request", sr.number)}"')
    assert "Rejected" in body and 'name="decision"' not in body


def test_self_approval_refused_in_the_view(client_for, waiting, manager):
    sr = waiting(requester=manager)

    body = client_for(manager).post(decide_url(sr), {"decision": "approve"}, **HX).content.decode()

    sr.refresh_from_db()
    assert sr.status == S.AWAITING_APPROVAL
    assert "own request" in body


def test_requester_cannot_decide_and_outsider_gets_404(client_for, waiting, outsider, owner):
    sr = waiting()

    assert client_for(outsider).post(decide_url(sr), {"decision": "approve"}).status_code == 404
    response = client_for(owner).post(decide_url(sr), {"decision": "approve"}, follow=True)
    assert "you filed it" in response.content.decode()  # the requester sees it but may not decide
    sr.refresh_from_db()
    assert sr.status == S.AWAITING_APPROVAL


def test_unknown_provider_is_404(client_for, manager):
    url = reverse("approvals:decide", args=["nope.nothing", "SR-000001"])

    assert client_for(manager).post(url, {"decision": "approve"}).status_code == 404


def test_stale_version_is_reported_not_applied_and_the_form_comes_back(client_for, waiting, manager):
    sr = waiting()

    body = (
        client_for(manager)
        .post(decide_url(sr), {"decision": "approve", "version": sr.version + 1}, **HX)
        .content.decode()
    )

    sr.refresh_from_db()
    assert sr.status == S.AWAITING_APPROVAL
    assert "changed by someone else" in body
    assert f'name="version" value="{sr.version}"' in body  # the fresh version, to decide again


def test_bulk_approve_without_js(client_for, waiting, manager):
    first, second = waiting(), waiting()

    response = client_for(manager).post(
        BULK, {"items": [ref(first), ref(second)], "decision": "approve", "comment": "batch"}, follow=True
    )

    assert ServiceRequest.objects.filter(status=S.APPROVED).count() == 2
    assert "2 items approved" in response.content.decode()


def test_bulk_with_mixed_permissions_says_which_and_why(client_for, waiting, manager, team_item):
    mine = waiting()
    not_mine = waiting(item=team_item)
    own = waiting(requester=manager)

    response = client_for(manager).post(
        BULK, {"items": [ref(mine), ref(not_mine), ref(own), "SR-999999"], "decision": "approve"}, **HX
    )

    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "Nothing was decided" in body
    # Another team approves it: hidden from the requester's manager (README, roles table), so "no such request".
    assert f"<strong>{not_mine.number}</strong>: no such request" in body
    assert f"<strong>{own.number}</strong>: you filed it" in body
    assert "<strong>SR-999999</strong>: no such request" in body
    assert ServiceRequest.objects.filter(status=S.AWAITING_APPROVAL).count() == 3
    assert f'value="{ref(mine)}" form="approval-bulk" id="select-{dom_id(*ref(mine).split(":"))}"' in body
    assert 'aria-label="Select ' + mine.number + '" checked' in body  # the selection is kept


def test_bulk_refusal_without_js_renders_the_full_page(client_for, waiting, manager):
    own = waiting(requester=manager)

    response = client_for(manager).post(BULK, {"items": [ref(own)], "decision": "reject", "comment": "no"})

    body = response.content.decode()
    assert "<html" in body and "you filed it" in body


def test_bulk_with_nothing_selected_or_bad_decision(client_for, waiting, manager):
    sr = waiting()
    client = client_for(manager)

    assert "Select at least one" in client.post(BULK, {"decision": "approve"}, **HX).content.decode()
    assert "approve" in client.post(BULK, {"items": [ref(sr)], "decision": "x"}, **HX).content.decode()
    sr.refresh_from_db()
    assert sr.status == S.AWAITING_APPROVAL


def test_inbox_page_uses_get_only(client_for, manager):
    assert client_for(manager).post(INBOX).status_code == 405


def test_badge_counts_what_waits_and_is_silent_otherwise(client_for, waiting, manager, owner, outsider):
    waiting(), waiting()

    response = client_for(manager).get(BADGE, **HX)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert body.strip().startswith('<li class="nav-item" id="nav-approvals"') and ">2<" in body
    for user in (owner, outsider):
        assert client_for(user).get(BADGE, **HX).status_code == 204


def test_every_page_loads_the_badge_for_signed_in_users(client_for, owner):
    body = client_for(owner).get(reverse("fulfillment:request-mine")).content.decode()

    assert f'hx-get="{BADGE}"' in body


def test_rows_show_the_answers_inline_and_the_whole_comment_box(client_for, waiting, manager):
    sr = waiting()
    body = client_for(manager).get(reverse("approvals:inbox")).content.decode()
    assert "<summary" in body and "What was asked" in body and "Need access to the build logs" in body
    assert '<textarea class="form-control form-control-sm mb-2" rows="2" name="comment" id="comment-' in body
    assert 'value="approve" formnovalidate>Approve' in body  # only a rejection needs the comment
    assert f'title="{sr.requester.username}"' in body  # the display name, the username on hover
