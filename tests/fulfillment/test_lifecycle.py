"""The lifecycle: every allowed and refused move, who may make it, versions and audit."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from apps.core.selectors import audit_events_for
from apps.fulfillment.choices import TRANSITIONS, RequestStatus
from apps.fulfillment.exceptions import InvalidTransition, StaleRequest
from apps.fulfillment.permissions import allowed_transitions, can_transition
from apps.fulfillment.services import request_transition
from tests.factories import UserFactory

S = RequestStatus
ALL_MOVES = [(a, b) for a in S.values for b in S.values]
LEGAL = [(a, b) for a, b in ALL_MOVES if b in TRANSITIONS[a]]
ILLEGAL = [(a, b) for a, b in ALL_MOVES if b not in TRANSITIONS[a]]
ACTORS = ["owner", "teammate", "outsider", "agent", "manager", "admin_user"]


def who_may(move: tuple[str, str]) -> set[str]:
    """The expected table, written out by role (not derived from the code under test)."""
    frm, to = move
    if to == S.CANCELLED:
        return {"owner", "admin_user"}
    if frm == S.AWAITING_APPROVAL:
        return {"manager", "admin_user"}  # manager_item: the requester's primary team's manager
    if (frm, to) == (S.FULFILLED, S.IN_PROGRESS):
        return {"owner", "admin_user"}  # the requester's reopen
    if (frm, to) == (S.NEW, S.AWAITING_APPROVAL):
        return set()  # the system only, when the request is filed
    return {"agent", "admin_user"}


def test_the_table_is_closed_over_statuses():
    assert set(TRANSITIONS) == set(S.values)
    assert all(targets <= set(S.values) for targets in TRANSITIONS.values())


@pytest.mark.django_db
@pytest.mark.parametrize(("frm", "to"), LEGAL)
def test_every_legal_move_succeeds_for_the_right_actor_and_is_audited(frm, to, request, make_sr, manager_item):
    sr = make_sr(item=manager_item, status=frm)
    allowed = who_may((frm, to))
    actor = request.getfixturevalue(sorted(allowed)[0]) if allowed else None

    request_transition(request=sr, to=to, actor=actor, expected_version=1, comment="because")

    sr.refresh_from_db()
    assert (sr.status, sr.version) == (to, 2)
    event = audit_events_for(sr).get(verb="status_changed")
    assert event.data == {"from": frm, "to": to, "comment": "because"}
    assert event.actor == actor


@pytest.mark.django_db
@pytest.mark.parametrize(("frm", "to"), LEGAL)
@pytest.mark.parametrize("who", ACTORS)
def test_who_may_make_each_legal_move(frm, to, who, request, make_sr, manager_item):
    sr = make_sr(item=manager_item, status=frm)
    actor = request.getfixturevalue(who)
    expected = who in who_may((frm, to))

    assert can_transition(actor, sr, to) is expected
    assert (to in allowed_transitions(actor, sr)) is expected
    if not expected:
        with pytest.raises(PermissionDenied):
            request_transition(request=sr, to=to, actor=actor)
        sr.refresh_from_db()
        assert (sr.status, sr.version) == (frm, 1)


@pytest.mark.django_db
@pytest.mark.parametrize(("frm", "to"), ILLEGAL)
def test_every_illegal_move_is_refused_even_for_a_superuser(frm, to, make_sr, admin_user):
    sr = make_sr(status=frm)

    with pytest.raises(InvalidTransition) as exc:
        request_transition(request=sr, to=to, actor=admin_user)

    assert "cannot move" in exc.value.message
    sr.refresh_from_db()
    assert (sr.status, sr.version) == (frm, 1)


@pytest.mark.django_db
def test_unknown_status_says_which_exist(sr, agent):
    with pytest.raises(InvalidTransition, match="not a request status"):
        request_transition(request=sr, to="done", actor=agent)


@pytest.mark.django_db
def test_stale_expected_version_changes_nothing(sr, agent):
    with pytest.raises(StaleRequest):
        request_transition(request=sr, to=S.IN_PROGRESS, actor=agent, expected_version=7)
    sr.refresh_from_db()
    assert (sr.status, sr.version) == (S.NEW, 1)
    assert not audit_events_for(sr).exists()


@pytest.mark.django_db
def test_a_request_read_before_someone_else_moved_it_is_stale(sr, agent, owner):
    from apps.fulfillment.models import ServiceRequest

    old_copy = ServiceRequest.objects.get(pk=sr.pk)
    request_transition(request=sr, to=S.IN_PROGRESS, actor=agent)

    with pytest.raises(StaleRequest):
        request_transition(request=old_copy, to=S.CANCELLED, actor=owner)
    sr.refresh_from_db()
    assert (sr.status, sr.version) == (S.IN_PROGRESS, 2)


@pytest.mark.django_db
def test_fulfilled_and_closed_set_their_timestamps(sr, agent):
    request_transition(request=sr, to=S.IN_PROGRESS, actor=agent)
    request_transition(request=sr, to=S.FULFILLED, actor=agent)
    assert sr.fulfilled_at is not None and sr.closed_at is None
    request_transition(request=sr, to=S.CLOSED, actor=agent)
    assert sr.closed_at is not None and sr.version == 4


@pytest.mark.django_db
def test_requested_for_may_cancel_and_reopen(make_sr, teammate):
    sr = make_sr(requested_for=teammate, status=S.FULFILLED)
    assert can_transition(teammate, sr, S.IN_PROGRESS)
    request_transition(request=sr, to=S.IN_PROGRESS, actor=teammate)
    assert sr.fulfilled_at is None
    request_transition(request=sr, to=S.CANCELLED, actor=teammate)
    assert sr.status == S.CANCELLED


@pytest.mark.django_db
def test_reopen_only_within_the_auto_close_days(make_sr, owner, settings):
    settings.STEWARD_AUTO_CLOSE_DAYS = 5
    sr = make_sr(status=S.FULFILLED, fulfilled_at=timezone.now() - dt.timedelta(days=5, minutes=1))
    assert not can_transition(owner, sr, S.IN_PROGRESS)
    with pytest.raises(PermissionDenied):
        request_transition(request=sr, to=S.IN_PROGRESS, actor=owner)
    sr.fulfilled_at = timezone.now() - dt.timedelta(days=4)
    assert can_transition(owner, sr, S.IN_PROGRESS)


@pytest.mark.django_db
def test_a_manager_never_approves_their_own_request(make_sr, manager, manager_item):
    sr = make_sr(requester=manager, item=manager_item, status=S.AWAITING_APPROVAL)
    assert allowed_transitions(manager, sr) == [S.CANCELLED]
    with pytest.raises(PermissionDenied):
        request_transition(request=sr, to=S.APPROVED, actor=manager)


@pytest.mark.django_db
def test_team_items_are_approved_by_a_member_of_the_approval_team_with_the_permission(
    make_sr, team_item, approver, agent, manager, desk_team
):
    sr = make_sr(item=team_item, status=S.AWAITING_APPROVAL)
    assert can_transition(approver, sr, S.APPROVED)
    assert not can_transition(agent, sr, S.APPROVED)  # member, but no approve permission
    assert not can_transition(manager, sr, S.APPROVED)  # permission, but not in the approval team
    own = make_sr(requester=approver, item=team_item, status=S.AWAITING_APPROVAL)
    assert not can_transition(approver, own, S.APPROVED)
    assert not can_transition(approver, own, S.REJECTED)


@pytest.mark.django_db
def test_agents_of_another_team_may_not_work(make_sr, other_team):
    stranger = UserFactory(username="other-agent", roles=["Agents"], member_of=[other_team])
    sr = make_sr()
    assert allowed_transitions(stranger, sr) == []
