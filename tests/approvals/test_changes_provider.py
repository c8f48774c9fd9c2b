"""Changes in the approvals inbox: listed for the people changes' rules name, decided there through change_decide."""

import pytest
from django.urls import reverse

from apps.approvals.selectors import pending_count
from apps.changes.approvals import count_for, get, pending_for
from apps.changes.choices import ChangeStatus, Tier
from apps.changes.models import ChangeApproval
from tests.changes.conftest import board_member, other_service  # noqa: F401

S = ChangeStatus
HX = {"HTTP_HX_REQUEST": "true"}
INBOX = reverse("approvals:inbox")
pytestmark = pytest.mark.django_db


@pytest.fixture
def medium(make_change, production):
    """A medium-risk change on ``owner_team``'s service, by ``owner``: any other member of the team approves."""

    def make(**fields):
        change = make_change(environment=production, rollback_plan="helm rollback", **fields)
        assert change.tier == Tier.MEDIUM and change.status == S.AWAITING_APPROVAL
        return change

    return make


def decide_url(change):
    return reverse("approvals:decide", args=["changes.change", change.number])


def test_a_medium_change_waits_in_an_owner_team_peers_inbox(client_for, medium, teammate, owner, outsider, agent):
    change = medium()

    body = client_for(teammate).get(INBOX).content.decode()
    assert change.number in body and change.title in body and "Medium-risk change: approval for Product" in body
    for user in (owner, outsider, agent):  # the requester, another team, a staff role outside the owner team
        assert change.number not in client_for(user).get(INBOX).content.decode()


def test_the_peer_approves_it_in_the_inbox(client_for, medium, teammate):
    change = medium()

    response = client_for(teammate).post(
        decide_url(change), {"decision": "approve", "comment": "LGTM", "version": change.version}, **HX
    )

    change.refresh_from_db()
    assert response.status_code == 200 and "Approved" in response.content.decode()
    assert change.status == S.APPROVED
    approval = ChangeApproval.objects.get(change=change)
    assert (approval.approver, approval.kind, approval.comment) == (teammate, "peer", "LGTM")
    assert change.number not in client_for(teammate).get(INBOX).content.decode()


def test_the_api_lists_and_decides_changes(api, medium, teammate):
    change = medium()
    client = api(teammate)

    rows = client.get("/api/v1/approvals/").json()["results"]
    assert [(row["provider"], row["key"], row["version"]) for row in rows] == [
        ("changes.change", change.number, change.version)
    ]
    response = client.post(f"/api/v1/approvals/{change.number}/decide/", {"decision": "approve"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == S.APPROVED


def test_rejecting_a_change_needs_a_reason_per_field(api, medium, teammate):
    change = medium()

    response = api(teammate).post(
        f"/api/v1/approvals/changes.change/{change.number}/decide/", {"decision": "reject"}, format="json"
    )

    assert response.status_code == 400 and "comment" in response.json()
    change.refresh_from_db()
    assert change.status == S.AWAITING_APPROVAL


def test_refusals_map_onto_the_inbox_errors(api, medium, teammate, owner, outsider):
    change = medium()
    url = f"/api/v1/approvals/changes.change/{change.number}/decide/"

    assert api(owner).post(url, {"decision": "approve"}, format="json").status_code == 403  # the requester
    assert api(outsider).post(url, {"decision": "approve"}, format="json").status_code == 404  # cannot see it
    stale = {"decision": "approve", "version": change.version + 1}
    assert api(teammate).post(url, stale, format="json").status_code == 409
    assert api(teammate).post(url, {"decision": "approve"}, format="json").status_code == 200
    assert api(teammate).post(url, {"decision": "approve"}, format="json").status_code == 409  # decided already


def test_a_change_blocked_by_a_failing_check_says_so_and_refuses_approval(api, make_change, production, teammate):
    change = make_change(environment=production)  # no rollback plan: the required check fails

    (item,) = pending_for(teammate, 10)
    assert "cannot be approved yet" in item.needs and "rollback plan" in item.needs
    response = api(teammate).post(f"/api/v1/approvals/{change.number}/decide/", {"decision": "approve"}, format="json")
    assert response.status_code == 400 and "decision" in response.json()


def test_each_owner_team_sees_its_own_part(medium, service, other_service, agent, teammate, outsider):  # noqa: F811
    change = medium(requester=agent, services=[service, other_service])

    assert [i.needs for i in pending_for(teammate, 10)] == ["Medium-risk change: approval for Product"]
    assert [i.key for i in pending_for(outsider, 10)] == [change.number]
    from apps.approvals.services import approval_decide

    approval_decide(actor=teammate, provider="changes.change", key=change.number, decision="approve")

    assert pending_for(teammate, 10) == [] and count_for(outsider) == 1  # the other team's part still waits
    assert get(outsider, change.number) is not None and get(teammate, change.number) is None


def test_a_high_change_waits_for_the_manager_or_the_board(
    make_change,
    production,
    teammate,
    manager,
    board_member,  # noqa: F811
):
    change = make_change(environment=production, diff_lines=800, rollback_plan="x")
    assert change.tier == Tier.HIGH

    assert pending_for(teammate, 10) == []
    assert [i.key for i in pending_for(manager, 10)] == [change.number]
    assert [i.key for i in pending_for(board_member, 10)] == [change.number]


def test_requests_and_changes_share_the_inbox_and_the_badge(client_for, medium, waiting, manager, owner):
    change = medium()  # the manager is a member of the owner team: a peer
    sr = waiting()

    body = client_for(manager).get(INBOX).content.decode()

    assert change.number in body and sr.number in body
    assert pending_count(manager) == 2
    assert ">2<" in client_for(manager).get(reverse("approvals:badge"), **HX).content.decode()


def test_inbox_queries_do_not_grow_with_changes(client_for, medium, teammate, django_assert_num_queries):
    client = client_for(teammate)
    medium()
    client.get(INBOX)
    # Session, user, requests' page, then changes: teams (member and managed), board, changes, services, approvals.
    with django_assert_num_queries(8) as few:
        client.get(INBOX)
    for n in range(5):
        medium(title=f"Deploy {n}")
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(INBOX).content.decode().count('name="items"') == 6
