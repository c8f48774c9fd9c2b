"""The gate for every state: go only when approved, inside its window, unfrozen and unblocked."""

import datetime as dt

import pytest
from django.utils import timezone

from apps.changes.choices import ChangeStatus
from apps.changes.gate import gate_decide
from apps.changes.models import Change
from apps.changes.selectors import change_for_gate
from apps.changes.services import change_decide, change_record_outcome, change_transition
from tests.changes.factories import WindowFactory

S = ChangeStatus
pytestmark = pytest.mark.django_db


def decide(change):
    change = Change.objects.prefetch_related("services").get(pk=change.pk)
    return gate_decide(change)


def polled(change):
    """The gate as pipelines meet it: the change read by selectors.change_for_gate (one precompiled query)."""
    return gate_decide(change_for_gate(change.pk))


def test_go_for_an_approved_change_inside_its_window(make_change):
    answer = decide(make_change())
    assert answer.decision == "go" and answer.retry_after is None
    assert "approved by policy" in answer.reasons[0]


def test_wait_while_approval_is_pending_says_who_and_what(make_change, production):
    answer = decide(make_change(environment=production))
    assert answer.decision == "wait" and answer.retry_after == 10
    assert "Waiting for approval from a member of Product" in " ".join(answer.reasons)
    assert "required check “rollback plan” is not passing" in " ".join(answer.reasons)


def test_wait_for_a_draft(make_change):
    assert decide(make_change(submit=False)).decision == "wait"


def test_wait_until_the_window_starts_with_retry_after(make_change):
    start = timezone.now() + dt.timedelta(seconds=90)
    answer = decide(make_change(planned_start=start, planned_end=start + dt.timedelta(hours=1)))
    assert answer.decision == "wait" and 80 <= answer.retry_after <= 91


def test_no_go_once_the_window_is_over(make_change):
    change = make_change()
    Change.objects.filter(pk=change.pk).update(
        planned_end=timezone.now() - dt.timedelta(seconds=1), planned_start=timezone.now() - dt.timedelta(hours=1)
    )
    assert decide(change).decision == "no-go"


@pytest.mark.parametrize("status", [S.REJECTED, S.CANCELLED, S.COMPLETED, S.FAILED, S.ROLLED_BACK])
def test_no_go_for_closed_changes(make_change, status):
    change = make_change()
    Change.objects.filter(pk=change.pk).update(status=status)
    assert decide(change).decision == "no-go"


def test_no_go_inside_a_freeze_names_it(make_change, staging):
    WindowFactory(title="Black Friday", reason="peak trading", environments=[staging])
    answer = decide(make_change())
    assert answer.decision == "no-go" and "Freeze “Black Friday” (peak trading)" in answer.reasons[0]


def test_a_freeze_on_another_service_or_environment_does_not_block(make_change, other_service, production):
    WindowFactory(all_services=False, services=[other_service])
    WindowFactory(environments=[production])
    assert decide(make_change()).decision == "go"


def test_an_approved_emergency_passes_a_freeze(make_change, production, manager):
    WindowFactory(title="Quarter close", environments=[production])
    change = make_change(type="emergency", environment=production)
    assert decide(change).decision == "no-go"
    change_decide(change=change, actor=manager, decision="approved")
    answer = decide(change)
    assert answer.decision == "go" and "overrides" in answer.reasons[-1]


def test_wait_while_a_conflicting_change_is_in_progress(make_change, owner):
    running = make_change(title="Schema migration")
    change_record_outcome(change=running, outcome="started", actor=owner)
    answer = decide(make_change())
    assert answer.decision == "wait" and f"{running.number} (Schema migration) is in progress" in answer.reasons[0]


def test_the_polled_read_sees_a_change_start_and_finish_on_a_shared_service(make_change, owner):
    """The gate keeps the changes in progress per environment; a start or a finish elsewhere is seen at once."""
    change = make_change()
    assert polled(change).decision == "go"
    running = make_change(title="Schema migration")
    change_record_outcome(change=running, outcome="started", actor=owner)
    assert polled(change).decision == "wait"
    assert polled(change).decision == "wait"  # from what the process kept: same stamp
    change_record_outcome(change=running, outcome="succeeded", actor=owner)
    assert polled(change).decision == "go"


def test_the_polled_read_costs_one_query_and_names_approvers_when_waiting(
    make_change, production, django_assert_num_queries
):
    change = make_change()
    with django_assert_num_queries(1):
        assert polled(change).decision == "go"
    waiting = make_change(environment=production)
    answer = polled(waiting)  # the row, then the services whole: the approvers' names are shown
    assert answer.decision == "wait" and any("Waiting for approval from" in reason for reason in answer.reasons)


def test_in_progress_stays_go(make_change, owner):
    change = make_change()
    change_record_outcome(change=change, outcome="started", actor=owner)
    assert decide(change).decision == "go"


def test_cancelled_by_the_requester(make_change, owner):
    change = make_change()
    change_transition(change=change, to="cancelled", actor=owner)
    assert decide(change).decision == "no-go"
