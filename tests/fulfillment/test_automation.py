"""Automated fulfilment of service requests: queueing, outcomes, retries, idempotency, broker down."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from kombu.exceptions import OperationalError

from apps.accounts.models import Membership
from apps.automation.models import AutomationRun
from apps.automation.registry import RetryableError
from apps.automation.selectors import FAILED_MESSAGE
from apps.automation.services import run_execute, run_sweep
from apps.core.models import AuditEvent
from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.services import request_create, request_transition
from apps.fulfillment.services.automation import request_automation_retry
from tests.factories import CatalogItemFactory, TeamFactory

S = RequestStatus
TEAM_FORM = {"fields": [{"name": "team", "label": "Team", "type": "team", "required": True, "joinable_only": True}]}


@pytest.fixture
def guild(db):
    return TeamFactory(name="Guild", slug="guild", joinable=True)


@pytest.fixture
def join_item(desk_team):
    return CatalogItemFactory(
        slug="join-team",
        fulfilling_team=desk_team,
        fulfilment_mode="automated",
        automation_action="join-team",
        form_definition=TEAM_FORM,
    )


@pytest.fixture
def dispatched(mocker):
    """The run ids sent to the broker (the task's .delay, patched)."""
    return mocker.patch("apps.automation.tasks.automation_execute_run.delay")


def status_changes(sr, to):
    return AuditEvent.objects.filter(
        target_type="fulfillment.servicerequest", target_id=str(sr.pk), verb="status_changed", data__to=to
    ).count()


def file_join(owner, join_item, django_capture_on_commit_callbacks, team="guild"):
    with django_capture_on_commit_callbacks(execute=True):
        return request_create(item=join_item, requester=owner, answers={"team": team})


@pytest.mark.django_db
def test_filing_an_automated_item_queues_a_run_after_commit(
    owner, guild, join_item, dispatched, django_capture_on_commit_callbacks
):
    sr = file_join(owner, join_item, django_capture_on_commit_callbacks)

    run = AutomationRun.objects.get()
    assert sr.status == S.IN_PROGRESS and status_changes(sr, S.IN_PROGRESS) == 1
    assert (run.action, run.subject_type, run.subject_id, run.sequence, run.status) == (
        "join-team",
        "fulfillment.servicerequest",
        str(sr.pk),
        1,
        "pending",
    )
    assert run.params == {"answers": {"team": "guild"}, "user": "owner", "requester": "owner", "reference": sr.number}
    dispatched.assert_called_once_with(run.pk)


@pytest.mark.django_db
def test_manual_items_queue_nothing(owner, item, dispatched, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sr = request_create(item=item, requester=owner, answers={"reason": "x"})
    assert sr.status == S.NEW and not AutomationRun.objects.exists()
    dispatched.assert_not_called()


@pytest.mark.django_db
def test_requested_for_is_the_one_who_joins(
    owner, teammate, guild, join_item, dispatched, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sr = request_create(item=join_item, requester=owner, answers={"team": "guild"}, requested_for=teammate)
    run = AutomationRun.objects.get()
    run_execute(run_id=run.pk)
    assert Membership.objects.filter(user=teammate, team=guild).exists()
    assert not Membership.objects.filter(user=owner, team=guild).exists()
    sr.refresh_from_db()
    assert sr.status == S.FULFILLED


@pytest.mark.django_db
def test_approval_items_are_queued_once_approved(
    owner, manager, guild, desk_team, dispatched, django_capture_on_commit_callbacks
):
    item = CatalogItemFactory(
        slug="join-approved",
        fulfilling_team=desk_team,
        fulfilment_mode="automated",
        automation_action="join-team",
        approval_rule="requester_manager",
        form_definition=TEAM_FORM,
    )
    with django_capture_on_commit_callbacks(execute=True):
        sr = request_create(item=item, requester=owner, answers={"team": "guild"})
    assert sr.status == S.AWAITING_APPROVAL and not AutomationRun.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        request_transition(request=sr, to=S.APPROVED, actor=manager)

    sr.refresh_from_db()
    assert sr.status == S.IN_PROGRESS and AutomationRun.objects.count() == 1
    dispatched.assert_called_once()


@pytest.mark.django_db
def test_executing_twice_fulfils_once(owner, guild, join_item, dispatched, django_capture_on_commit_callbacks):
    sr = file_join(owner, join_item, django_capture_on_commit_callbacks)
    run = AutomationRun.objects.get()

    first = run_execute(run_id=run.pk)
    second = run_execute(run_id=run.pk)

    sr.refresh_from_db()
    assert first.status == second.status == "succeeded" and second.attempts == 1
    assert sr.status == S.FULFILLED and status_changes(sr, S.FULFILLED) == 1
    assert Membership.objects.filter(user=owner, team=guild).count() == 1
    assert (
        "owner is a member of Guild."
        in AuditEvent.objects.filter(verb="status_changed", data__to=S.FULFILLED).get().data["comment"]
    )


@pytest.mark.django_db
def test_a_run_held_by_another_worker_is_not_executed(
    owner, guild, join_item, dispatched, django_capture_on_commit_callbacks, mocker
):
    file_join(owner, join_item, django_capture_on_commit_callbacks)
    run = AutomationRun.objects.get()
    AutomationRun.objects.filter(pk=run.pk).update(status="running", started_at=timezone.now(), attempts=1)
    action = mocker.patch("apps.automation.actions.join_team.JoinTeamAction.run")

    assert run_execute(run_id=run.pk).status == "running"

    action.assert_not_called()


@pytest.mark.django_db
def test_failed_run_fails_the_request_and_an_agent_retries(
    owner, agent, other_team, guild, join_item, dispatched, django_capture_on_commit_callbacks
):
    sr = file_join(owner, join_item, django_capture_on_commit_callbacks)
    run = AutomationRun.objects.get()
    # The team closed between filing and running: a permanent error.
    type(guild).objects.filter(pk=guild.pk).update(joinable=False)

    run_execute(run_id=run.pk)

    sr.refresh_from_db()
    run.refresh_from_db()
    assert run.status == "failed" and "cannot be joined" in run.error
    assert sr.status == S.FAILED and sr.team_id == join_item.fulfilling_team_id
    event = AuditEvent.objects.filter(verb="status_changed", data__to=S.FAILED).get()
    # The public comment (timeline, emails) holds the human message; the error stays on the run.
    assert event.data["comment"] == FAILED_MESSAGE and event.actor is None

    with pytest.raises(PermissionDenied):
        request_automation_retry(request=sr, actor=owner)
    type(guild).objects.filter(pk=guild.pk).update(joinable=True)
    with django_capture_on_commit_callbacks(execute=True):
        retry = request_automation_retry(request=sr, actor=agent)
    assert retry.sequence == 2 and sr.status == S.IN_PROGRESS
    run_execute(run_id=retry.pk)

    sr.refresh_from_db()
    assert sr.status == S.FULFILLED and Membership.objects.filter(user=owner, team=guild).count() == 1


@pytest.mark.django_db
def test_retry_needs_a_failed_automated_request(
    owner, agent, guild, join_item, dispatched, django_capture_on_commit_callbacks
):
    sr = file_join(owner, join_item, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError):
        request_automation_retry(request=sr, actor=agent)  # still in progress


@pytest.mark.django_db
def test_transient_failure_is_retried_then_gives_up(
    owner, guild, join_item, dispatched, django_capture_on_commit_callbacks, mocker
):
    sr = file_join(owner, join_item, django_capture_on_commit_callbacks)
    run = AutomationRun.objects.get()
    mocker.patch("apps.automation.actions.join_team.JoinTeamAction.run", side_effect=RetryableError("directory busy"))

    for attempt in range(1, 6):
        with pytest.raises(RetryableError):
            run_execute(run_id=run.pk)
        run.refresh_from_db()
        assert (run.status, run.attempts, run.error) == ("pending", attempt, "directory busy")
        assert run.available_at > timezone.now()  # the sweep leaves it to the task's backoff
    run_execute(run_id=run.pk)

    run.refresh_from_db()
    sr.refresh_from_db()
    assert run.status == "failed" and run.attempts == 6 and "Gave up after 6 attempts" in run.error
    assert sr.status == S.FAILED


@pytest.mark.django_db
def test_request_moved_by_hand_is_left_alone_when_the_run_ends(
    owner, agent, guild, join_item, dispatched, django_capture_on_commit_callbacks
):
    sr = file_join(owner, join_item, django_capture_on_commit_callbacks)
    request_transition(request=sr, to=S.ON_HOLD, actor=agent)

    run_execute(run_id=AutomationRun.objects.get().pk)

    sr.refresh_from_db()
    assert sr.status == S.ON_HOLD
    assert AuditEvent.objects.filter(verb="automation_finished", data__status="succeeded").count() == 1


@pytest.mark.django_db
def test_broker_down_keeps_the_request_and_the_sweep_dispatches_later(
    owner, guild, join_item, mocker, django_capture_on_commit_callbacks, settings
):
    delay = mocker.patch("apps.automation.tasks.automation_execute_run.delay", side_effect=OperationalError("refused"))

    sr = file_join(owner, join_item, django_capture_on_commit_callbacks)

    run = AutomationRun.objects.get()
    assert sr.pk and run.status == "pending" and delay.call_count == 1
    assert run_sweep() == 0  # too early: not pending for STEWARD_AUTOMATION_SWEEP_AFTER_SECONDS yet
    later = timezone.now() + dt.timedelta(seconds=61)
    assert run_sweep(now=later) == 0  # still down: logged, not raised
    delay.side_effect = None
    assert run_sweep(now=later) == 0  # pushed forward by the last sweep: no flood
    assert run_sweep(now=later + dt.timedelta(seconds=61)) == 1
    delay.assert_called_with(run.pk)


@pytest.mark.django_db
def test_sweep_reclaims_a_run_whose_worker_died(
    owner, guild, join_item, dispatched, django_capture_on_commit_callbacks
):
    file_join(owner, join_item, django_capture_on_commit_callbacks)
    run = AutomationRun.objects.get()
    long_ago = timezone.now() - dt.timedelta(hours=1)
    AutomationRun.objects.filter(pk=run.pk).update(status="running", started_at=long_ago, attempts=1)
    dispatched.reset_mock()

    assert run_sweep() == 1

    run.refresh_from_db()
    assert run.status == "pending"
    dispatched.assert_called_once_with(run.pk)
    assert run_execute(run_id=run.pk).status == "succeeded"
