"""Emails about changes through the outbox: approvers once per approval round, the requester on decisions."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from apps.changes.services import change_decide, change_update
from apps.changes.services.approvals import approver_candidates, approver_kind, owner_teams
from tests.factories import UserFactory
from tests.outbox import deliver_outbox, queued

pytestmark = pytest.mark.django_db


def recipients(prefix):
    return sorted(recipient for _key, recipient in queued(prefix))


@pytest.fixture
def peer(owner_team):
    return UserFactory(username="peer", member_of=[owner_team])


def medium(make_change, production, **fields):
    """Production scores 40 (medium) under the test policy; a rollback plan and green tests pass the checks."""
    fields.setdefault("rollback_plan", "helm rollback")
    fields.setdefault("tests_failed", 0)
    return make_change(environment=production, **fields)


def test_a_medium_change_emails_each_owner_team_member_but_the_requester_and_ci_actor(
    make_change, production, owner, teammate, manager, peer, pipeline, outsider
):
    change = medium(make_change, production, requester=pipeline, ci_system="github", ci_repository="a/b",
                    ci_run_id="1", ci_actor_login="teammate")  # fmt: skip

    assert change.status == "awaiting_approval" and change.ci_actor == teammate
    assert recipients(f"changes.approval:{change.pk}:1") == ["manager@example.com", "owner@example.com",
                                                             "peer@example.com"]  # fmt: skip
    assert deliver_outbox() == 3
    message = mail.outbox[0]
    assert message.subject == f"[{change.number}] Approval needed (medium risk): Deploy payments"
    assert f"/changes/{change.number}/" in message.body and "production: +40" in message.body


def test_every_person_told_may_decide_and_every_member_who_may_is_told(make_change, production, owner, peer, manager):
    change = medium(make_change, production)
    team = owner_teams(change)[0]
    told = approver_candidates(change, team)
    assert {p.username for p in told} == {"peer", "manager"}
    assert all(approver_kind(person, change, team) for person in told)
    assert approver_kind(owner, change, team) is None  # the requester, left out


def test_approvers_are_told_once_per_round_and_again_after_an_edit_that_resets_approvals(
    make_change, production, owner, peer, manager
):
    change = medium(make_change, production)
    assert len(queued("changes.approval:")) == 2

    later = timezone.now() + dt.timedelta(hours=2)
    change = change_update(change=change, actor=owner, planned_start=later, planned_end=later + dt.timedelta(hours=1))

    assert change.approval_round == 2 and change.status == "awaiting_approval"
    assert recipients(f"changes.approval:{change.pk}:2") == ["manager@example.com", "peer@example.com"]
    assert len(queued("changes.approval:")) == 4


def test_a_blocked_approval_says_what_blocks_it(make_change, production, owner, peer):
    change = medium(make_change, production, rollback_plan="")
    deliver_outbox()
    assert "It cannot be approved until: required check “rollback plan” is not passing." in mail.outbox[0].body
    assert change.status == "awaiting_approval"


def test_a_high_change_emails_the_manager_and_the_board(make_change, production, owner, peer, manager, board_member):
    change = medium(make_change, production, tests_failed=3)  # production 40 + failing tests 40: high
    assert change.tier == "high"
    assert recipients("changes.approval:") == ["cab-member@example.com", "manager@example.com"]


def test_an_emergency_without_a_manager_emails_the_board(make_change, production, owner_team, board_member):
    owner_team.manager = None
    owner_team.save(update_fields=["manager"])
    requester = UserFactory(username="oncall", member_of=[owner_team])
    change = make_change(requester=requester, environment=production, type="emergency")
    assert change.status == "awaiting_approval"
    assert recipients("changes.approval:") == ["cab-member@example.com"]


def test_a_low_change_approved_by_policy_emails_nobody(make_change, owner, peer):
    change = make_change()
    assert change.status == "approved"
    assert queued("changes.") == []


def test_the_requester_hears_of_each_decision_but_not_of_their_own(make_change, production, owner, peer, manager):
    change = medium(make_change, production)
    change_decide(change=change, actor=peer, decision="approved", comment="Looks fine")

    assert recipients("changes.decision:") == ["owner@example.com"]
    deliver_outbox()
    decision = next(m for m in mail.outbox if m.subject.startswith(f"[{change.number}] Approved by"))
    assert decision.subject == f"[{change.number}] Approved by peer: Deploy payments"
    assert "“Looks fine”" in decision.body and "The change is approved: the gate says go" in decision.body


def test_a_rejection_reaches_the_ci_actor_of_a_pipeline_change(make_change, production, pipeline, teammate, peer):
    change = medium(make_change, production, requester=pipeline, ci_system="github", ci_repository="a/b",
                    ci_run_id="2", ci_actor_login="teammate")  # fmt: skip
    change_decide(change=change, actor=peer, decision="rejected", comment="Not on a Friday")

    assert recipients("changes.decision:") == ["teammate@example.com"]
    deliver_outbox()
    body = next(m.body for m in mail.outbox if m.subject.startswith(f"[{change.number}] Rejected by peer"))
    assert "The change is rejected" in body and "“Not on a Friday”" in body


def test_nothing_is_queued_while_notifications_are_off(settings, make_change, production, owner, peer):
    settings.STEWARD_SEND_NOTIFICATIONS = False
    change = medium(make_change, production)
    change_decide(change=change, actor=peer, decision="approved")
    assert queued("changes.") == []
