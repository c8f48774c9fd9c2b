"""Changes services: opening, scoring, routing every path, edits, transitions, outcomes."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.changes.choices import ChangeStatus, Tier
from apps.changes.exceptions import InvalidTransition, StaleChange
from apps.changes.models import Change, ChangeApproval, ReviewTask, StandardChangeTemplate
from apps.changes.selectors import change_timeline, failure_rates
from apps.changes.services import (
    ChangeData,
    change_decide,
    change_open_for_pipeline,
    change_record_outcome,
    change_transition,
    change_update,
    window_create,
)
from apps.core.businesstime import BusinessCalendar
from tests.changes.factories import PolicyRuleFactory, WindowFactory
from tests.factories import UserFactory

S = ChangeStatus
pytestmark = pytest.mark.django_db


def verbs(change):
    return [event.verb for event in change_timeline(change)]


def test_a_low_risk_change_is_approved_by_policy_at_once(make_change):
    change = make_change()

    assert change.status == S.APPROVED and change.tier == Tier.LOW and change.risk_score == 0
    assert change.policy_version == 1 and change.attributes["environment"] == "staging"
    approval = ChangeApproval.objects.get(change=change)
    assert approval.kind == "policy" and approval.approver is None
    assert verbs(change) == ["created", "status_changed", "scored", "approval_decided", "status_changed"]


def test_scoring_stores_the_snapshot_and_the_rules_fired(make_change, production):
    change = make_change(environment=production, diff_lines=800)

    assert change.tier == Tier.HIGH and change.risk_score == 65
    assert [(r["name"], r["contribution"]) for r in change.rules_fired] == [("production", 40), ("big diff", 25)]
    assert change.attributes["is_production"] is True and change.attributes["diff_lines"] == 800
    assert change.status == S.AWAITING_APPROVAL


def test_hour_and_weekday_are_in_the_owner_teams_time_zone(make_change, owner_team):
    owner_team.timezone = "Asia/Tokyo"
    owner_team.save()
    start = dt.datetime(2026, 6, 5, 20, 30, tzinfo=dt.UTC)  # Friday 20:30 UTC is Saturday 05:30 in Tokyo
    change = make_change(planned_start=start, planned_end=start + dt.timedelta(hours=2))
    assert change.attributes["start_weekday"] == 5 and change.attributes["start_hour"] == 5
    assert change.attributes["duration_minutes"] == 120


def test_medium_needs_a_peer_who_is_neither_requester_nor_ci_actor(make_change, production, owner, teammate):
    ci_actor = UserFactory(username="dev", member_of=[owner.primary_team])
    change = make_change(environment=production, rollback_plan="helm rollback", ci_actor_login="dev@example.com")
    assert change.tier == Tier.MEDIUM and change.ci_actor == ci_actor

    for person, reason in ((owner, "You requested"), (ci_actor, "You triggered")):
        with pytest.raises(PermissionDenied, match=reason):
            change_decide(change=change, actor=person, decision="approved")

    change_decide(change=change, actor=teammate, decision="approved", comment="LGTM")
    change.refresh_from_db()
    assert change.status == S.APPROVED and change.approved_at is not None
    assert ChangeApproval.objects.get(change=change).kind == "peer"


def test_outsiders_cannot_approve(make_change, production, outsider):
    change = make_change(environment=production, rollback_plan="x")
    with pytest.raises(PermissionDenied, match="not among the approvers"):
        change_decide(change=change, actor=outsider, decision="approved")


def test_required_checks_must_pass_before_approval(make_change, production, teammate, owner):
    change = make_change(environment=production)  # no rollback plan: the check "rollback plan" fails
    with pytest.raises(ValidationError, match="rollback plan"):
        change_decide(change=change, actor=teammate, decision="approved")

    change_update(change=change, actor=owner, rollback_plan="revert the release")
    change.refresh_from_db()
    assert change.status == S.AWAITING_APPROVAL and change.approval_round == 1  # rescored, not reset
    change_decide(change=change, actor=teammate, decision="approved")
    change.refresh_from_db()
    assert change.status == S.APPROVED


def test_rejecting_needs_a_comment_and_closes_the_change(make_change, production, teammate):
    change = make_change(environment=production)
    with pytest.raises(ValidationError, match="why"):
        change_decide(change=change, actor=teammate, decision="rejected")
    change_decide(change=change, actor=teammate, decision="rejected", comment="Not this week")
    change.refresh_from_db()
    assert change.status == S.REJECTED


def test_every_owner_team_approves_a_multi_service_change(
    make_change, production, service, other_service, teammate, outsider, agent
):
    # An agent (a staff role) may open changes on any service; the owner teams approve.
    change = make_change(requester=agent, environment=production, services=[service, other_service], rollback_plan="x")

    change_decide(change=change, actor=teammate, decision="approved")
    change.refresh_from_db()
    assert change.status == S.AWAITING_APPROVAL
    with pytest.raises(PermissionDenied):
        change_decide(change=change, actor=teammate, decision="approved")  # their team has decided
    change_decide(change=change, actor=outsider, decision="approved")
    change.refresh_from_db()
    assert change.status == S.APPROVED
    assert ChangeApproval.objects.filter(change=change).count() == 2


def test_high_needs_the_manager_or_the_board_and_evidence(make_change, production, teammate, manager, board_member):
    change = make_change(environment=production, diff_lines=800, rollback_plan="x")
    assert change.tier == Tier.HIGH
    with pytest.raises(PermissionDenied):
        change_decide(change=change, actor=teammate, decision="approved")
    with pytest.raises(ValidationError, match="test evidence"):
        change_decide(change=change, actor=manager, decision="approved")

    change_update(change=change, actor=teammate, tests_passed=120, tests_failed=0)
    change_decide(change=change, actor=board_member, decision="approved")
    change.refresh_from_db()
    assert change.status == S.APPROVED
    assert ChangeApproval.objects.get(change=change).kind == "board"


def test_a_team_without_manager_falls_to_the_board(make_change, production, owner_team, manager, board_member):
    owner_team.manager = None
    owner_team.save()
    change = make_change(environment=production, diff_lines=800, rollback_plan="x", tests_passed=3)
    with pytest.raises(PermissionDenied):
        change_decide(change=change, actor=manager, decision="approved")
    change_decide(change=change, actor=board_member, decision="approved")
    assert Change.objects.get(pk=change.pk).status == S.APPROVED


def test_emergency_is_approved_at_once_by_the_manager_opens_a_review_and_overrides_freezes(
    make_change, production, manager, teammate
):
    WindowFactory(title="Quarter close", environments=[production])
    change = make_change(type="emergency", environment=production)
    assert change.status == S.AWAITING_APPROVAL
    with pytest.raises(PermissionDenied):
        change_decide(change=change, actor=teammate, decision="approved")

    change_decide(change=change, actor=manager, decision="approved", comment="Outage")
    change.refresh_from_db()
    assert change.status == S.APPROVED and change.freeze_override
    review = ReviewTask.objects.get(change=change)
    assert review.team == change.services.get().owner_team
    business = BusinessCalendar(tz=review.team.timezone).business_time_between(change.approved_at, review.due_at)
    assert business == dt.timedelta(hours=5 * 8)  # five of the team's 09:00-17:00 days
    assert "freeze_overridden" in verbs(change)


def test_standard_changes_from_templates_are_low_even_in_production(make_change, production, service):
    template = StandardChangeTemplate.objects.create(name="Rotate a certificate", slug="rotate-cert")
    template.services.add(service)
    change = make_change(template=template, services=[], environment=production)
    assert change.type == "standard" and change.tier == Tier.LOW and change.status == S.APPROVED
    assert change.risk_score == 40


def test_a_failing_rule_forces_even_a_standard_change_to_medium(make_change, policy, production, service):
    PolicyRuleFactory(policy=policy, name="broken", expression="diff_lines / files_changed > 2", weight=-10)
    template = StandardChangeTemplate.objects.create(name="Flag flip", slug="flag-flip")
    change = make_change(template=template, environment=production, rollback_plan="x")
    assert change.tier == Tier.MEDIUM and change.status == S.AWAITING_APPROVAL
    broken = [rule for rule in change.rules_fired if rule["name"] == "broken"][0]
    assert broken["contribution"] == 0 and "division by zero" in broken["error"]


def test_no_active_policy_fails_closed(make_change, policy):
    policy.is_active = False
    policy.save()
    change = make_change()
    assert change.tier == Tier.HIGH and "No risk policy is active" in change.rules_fired[0]["error"]


def test_an_edit_that_matters_resets_the_approval_and_rescores(make_change, production, owner, teammate):
    change = make_change(environment=production, rollback_plan="x")
    change_decide(change=change, actor=teammate, decision="approved")
    change.refresh_from_db()
    assert change.status == S.APPROVED

    change_update(change=change, actor=owner, planned_end=change.planned_end + dt.timedelta(hours=1))
    change.refresh_from_db()
    assert change.status == S.AWAITING_APPROVAL and change.approval_round == 2 and change.approved_at is None
    assert "approvals_reset" in verbs(change)
    change_decide(change=change, actor=teammate, decision="approved")
    assert Change.objects.get(pk=change.pk).status == S.APPROVED


def test_edits_are_refused_to_outsiders_and_once_running(make_change, outsider, owner):
    change = make_change()
    with pytest.raises(PermissionDenied):
        change_update(change=change, actor=outsider, title="Mine now")
    change_record_outcome(change=change, outcome="started", actor=owner)
    change.refresh_from_db()
    with pytest.raises(PermissionDenied, match="In progress"):
        change_update(change=change, actor=owner, title="Late edit")


def test_stale_edits_are_refused(make_change, owner):
    change = make_change()
    with pytest.raises(StaleChange):
        change_update(change=change, actor=owner, title="x", expected_version=change.version - 1)


def test_illegal_transition_names_the_state(make_change, owner):
    change = make_change(submit=False)
    change_transition(change=change, to="cancelled", actor=owner)
    with pytest.raises(InvalidTransition, match="“Cancelled” cannot move to “Cancelled”"):
        change_transition(change=change, to="cancelled", actor=owner)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"planned_end": timezone.now() - dt.timedelta(days=1)}, "planned_end"),
        ({"commit_sha": "not-a-sha"}, "commit_sha"),
        ({"paths": ["a"] * 201}, "paths"),
        ({"type": "standard"}, "template"),
        ({"services": []}, "services"),
        ({"visible_to_end_users": True}, "public_title"),
        ({"ci_run_id": "42"}, "ci_run_id"),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_is_written(make_change, fields, field):
    with pytest.raises(ValidationError) as excinfo:
        make_change(**fields)
    assert field in excinfo.value.message_dict
    assert not Change.objects.exists()


def test_changes_on_services_of_other_teams_are_refused(make_change, other_service, owner):
    with pytest.raises(ValidationError, match="services your teams own"):
        make_change(services=[other_service])


def pipeline_data(service, environment, **extra):
    return ChangeData(
        title="Deploy 1.2.3",
        services=[service],
        environment=environment,
        ci_system="github",
        ci_repository="acme/payments",
        ci_workflow="deploy.yml",
        ci_run_id="9001",
        commit_sha="a" * 40,
        **extra,
    )


def test_a_pipeline_run_opens_one_change_and_its_window_starts_now(pipeline, service, staging, settings):
    settings.STEWARD_CHANGES_PIPELINE_WINDOW_MINUTES = 30
    first, created = change_open_for_pipeline(requester=pipeline, data=pipeline_data(service, staging))
    again, created_again = change_open_for_pipeline(requester=pipeline, data=pipeline_data(service, staging))
    assert created and not created_again and first.pk == again.pk
    assert first.planned_end - first.planned_start == dt.timedelta(minutes=30)
    assert first.by_pipeline and first.status == S.APPROVED
    retry_data = pipeline_data(service, staging, ci_run_attempt=2)
    retry, created = change_open_for_pipeline(requester=pipeline, data=retry_data)
    assert created and retry.pk != first.pk


def test_a_pipeline_window_moves_to_the_approval_when_it_comes_late(pipeline, service, production, teammate):
    data = pipeline_data(service, production, rollback_plan="x")
    change, _ = change_open_for_pipeline(requester=pipeline, data=data)
    Change.objects.filter(pk=change.pk).update(planned_start=timezone.now() - dt.timedelta(minutes=20))
    change.refresh_from_db()
    length = change.planned_end - change.planned_start

    change_decide(change=change, actor=teammate, decision="approved")
    change.refresh_from_db()
    assert timezone.now() - change.planned_start < dt.timedelta(seconds=5)
    assert change.planned_end - change.planned_start == length
    assert "window_moved" in verbs(change)


def test_outcomes_move_the_change_and_flag_deployments_without_go(make_change, owner):
    change = make_change()
    change_record_outcome(change=change, outcome="started", actor=owner)
    change.refresh_from_db()
    assert change.status == S.IN_PROGRESS and change.deployed_without_go
    change_record_outcome(change=change, outcome="succeeded", actor=owner)
    change_record_outcome(change=change, outcome="succeeded", actor=owner)  # a retried report changes nothing
    change.refresh_from_db()
    assert change.status == S.COMPLETED and change.finished_at is not None
    with pytest.raises(ValidationError, match="already"):
        change_record_outcome(change=change, outcome="failed", actor=owner)


def test_an_outcome_for_an_unapproved_change_is_recorded_and_flagged(make_change, production, owner):
    change = make_change(environment=production)
    change_record_outcome(change=change, outcome="failed", actor=owner)
    change.refresh_from_db()
    assert change.status == S.AWAITING_APPROVAL and change.outcome == "failed" and change.deployed_without_go


def test_change_failure_rate_per_service(make_change, service, owner):
    for outcome in ("succeeded", "failed", "rolled_back", "succeeded"):
        change = make_change()
        change_record_outcome(change=change, outcome=outcome, actor=owner)
    assert failure_rates([service.pk]) == {service.pk: 0.5}
    assert make_change().attributes["service_failure_rate_30d"] == 0.5
    assert make_change().attributes["service_changes_30d"] == 5


def test_windows_are_created_by_managers_only(manager, owner, production):
    args = {
        "kind": "freeze",
        "title": "Year end",
        "starts_at": timezone.now(),
        "all_services": True,
        "ends_at": timezone.now() + dt.timedelta(days=1),
        "environments": [production],
        "rrule": "FREQ=YEARLY",
    }
    with pytest.raises(PermissionDenied):
        window_create(actor=owner, **args)
    window = window_create(actor=manager, timezone="Europe/Paris", **args)
    assert window.rrule == "FREQ=YEARLY"
    with pytest.raises(ValidationError) as excinfo:
        window_create(actor=manager, **{**args, "rrule": "FREQ=SECONDLY", "services": None, "all_services": False})
    assert set(excinfo.value.message_dict) == {"rrule", "services"}
