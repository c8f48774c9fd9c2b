"""Who sees which request (ServiceRequest.objects.visible_to): the README's roles table, defect 7 of issue 6.

A manager used to see every request filed by a member of their primary team, whatever team fulfilled it.
Now the requester's manager sees only the requests that need their approval (in any status, so decisions
stay readable); a team's manager sees what that team fulfils.
"""

import pytest
from django.urls import reverse

from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.models import ServiceRequest
from apps.fulfillment.permissions import is_approver
from tests.factories import CatalogItemFactory, UserFactory

S = RequestStatus
pytestmark = pytest.mark.django_db


def visible(user):
    return set(ServiceRequest.objects.visible_to(user))


def test_manager_no_longer_sees_team_members_requests_fulfilled_by_another_team(client_for, api_token, manager, sr):
    assert sr not in visible(manager)
    assert client_for(manager).get(reverse("fulfillment:request-detail", args=[sr.number])).status_code == 404
    headers = {"HTTP_AUTHORIZATION": f"Token {api_token(manager)}"}
    assert client_for(manager).get(f"/api/v1/requests/{sr.number}/", **headers).status_code == 404


@pytest.mark.parametrize("status", [S.AWAITING_APPROVAL, S.APPROVED, S.REJECTED, S.IN_PROGRESS, S.FULFILLED])
def test_requesters_manager_sees_what_needs_their_approval_in_every_status(make_sr, manager, manager_item, status):
    awaiting = make_sr(item=manager_item, status=status)
    assert awaiting in visible(manager)


def test_requesters_manager_can_open_and_decide_what_awaits_them(client_for, make_sr, manager, manager_item):
    awaiting = make_sr(item=manager_item, status=S.AWAITING_APPROVAL)
    client = client_for(manager)
    assert client.get(reverse("fulfillment:request-detail", args=[awaiting.number])).status_code == 200
    client.post(reverse("approvals:decide", args=["fulfillment.request", awaiting.number]), {"decision": "approve"})
    awaiting.refresh_from_db()
    assert awaiting.status == S.APPROVED


def test_requesters_manager_does_not_see_what_another_team_approves(make_sr, manager, team_item, approver):
    for_the_team = make_sr(item=team_item, status=S.AWAITING_APPROVAL)
    assert for_the_team not in visible(manager)
    assert for_the_team in visible(approver)


def test_approval_team_member_without_the_approve_permission_sees_nothing(make_sr, team_item, desk_team):
    end_user = UserFactory(username="desk-end-user", roles=["End users"], member_of=[desk_team])
    assert make_sr(item=team_item, status=S.AWAITING_APPROVAL) not in visible(end_user)


def test_manager_of_the_fulfilling_team_sees_its_requests(make_sr, other_team, outsider):
    boss = UserFactory(username="boss", roles=["End users"])
    other_team.manager = boss
    other_team.save(update_fields=["manager"])
    theirs = make_sr(item=CatalogItemFactory(slug="elsewhere-item", fulfilling_team=other_team))
    assert theirs in visible(boss) and theirs not in visible(outsider)


def test_every_awaiting_request_a_manager_may_decide_is_visible_to_them(make_sr, manager, manager_item, team_item):
    """visible_to is the SQL of is_approver: an approver never meets a 404 on what they must decide."""
    requests = [make_sr(item=item, status=S.AWAITING_APPROVAL) for item in (manager_item, team_item)]
    seen = visible(manager)
    assert all(sr in seen for sr in requests if is_approver(manager, sr))
