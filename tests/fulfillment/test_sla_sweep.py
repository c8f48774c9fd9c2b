"""The periodic SLA sweep: warn within the hour, escalate overdue requests, each exactly once."""

import datetime as dt
import threading

import pytest
from django.core import mail

from apps.core.selectors import audit_events_for
from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.services.sla import sla_warn_and_escalate
from apps.fulfillment.tasks.sla import fulfillment_sla_sweep
from tests.factories import UserFactory
from tests.outbox import deliver_outbox, queued

S = RequestStatus
NOW = dt.datetime(2027, 1, 12, 10, tzinfo=dt.UTC)
MIN = dt.timedelta(minutes=1)


@pytest.fixture
def boss(desk_team):
    user = UserFactory(username="deskboss", roles=["Managers"], member_of=[desk_team])
    desk_team.manager = user
    desk_team.save(update_fields=["manager"])
    return user


@pytest.fixture
def make_running(make_sr, agent, boss):
    def make(due_at, **kwargs):
        kwargs.setdefault("status", S.IN_PROGRESS)
        kwargs.setdefault("assignee", agent)
        return make_sr(due_at=due_at, **kwargs)

    return make


@pytest.mark.django_db
def test_due_within_the_hour_warns_assignee_and_manager_once(make_running, agent, boss):
    sr = make_running(NOW + 30 * MIN)
    make_running(NOW + 90 * MIN)  # not yet

    assert sla_warn_and_escalate(NOW) == (1, 0)
    assert sla_warn_and_escalate(NOW + MIN) == (0, 0)
    assert deliver_outbox() == 2

    sr.refresh_from_db()
    assert sr.sla_warned_at == NOW and sr.escalated_at is None
    assert sorted(m.to[0] for m in mail.outbox) == sorted([agent.email, boss.email])
    assert all(sr.number in m.subject and "Due within the hour" in m.subject for m in mail.outbox)
    assert sr.get_absolute_url() in mail.outbox[0].body


@pytest.mark.django_db
def test_overdue_is_escalated_once_with_an_audit_event(make_running, agent, boss):
    sr = make_running(NOW - MIN)

    assert sla_warn_and_escalate(NOW) == (0, 1)
    assert sla_warn_and_escalate(NOW + MIN) == (0, 0)
    assert deliver_outbox() == 2

    sr.refresh_from_db()
    assert sr.escalated_at == NOW
    assert len(mail.outbox) == 2 and all("Overdue" in m.subject for m in mail.outbox)
    events = list(audit_events_for(sr).filter(verb="sla_escalated"))
    assert len(events) == 1 and events[0].actor is None


@pytest.mark.django_db
def test_warned_request_is_escalated_later(make_running):
    sr = make_running(NOW + 30 * MIN)
    assert sla_warn_and_escalate(NOW) == (1, 0)
    assert sla_warn_and_escalate(NOW + 31 * MIN) == (0, 1)
    sr.refresh_from_db()
    assert sr.sla_warned_at == NOW and sr.escalated_at == NOW + 31 * MIN


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.FULFILLED, S.CLOSED, S.CANCELLED, S.REJECTED, S.ON_HOLD, S.AWAITING_APPROVAL])
def test_stopped_and_paused_requests_are_left_alone(make_running, status):
    make_running(NOW - MIN, status=status)
    make_running(NOW + MIN, status=status)
    assert sla_warn_and_escalate(NOW) == (0, 0)
    assert queued() == []


@pytest.mark.django_db
def test_a_claim_taken_by_a_concurrent_sweep_is_not_repeated(make_running, mocker):
    """The rows are read first and claimed one by one: a sweep that claimed in between wins."""
    from apps.fulfillment.services import sla

    sr = make_running(NOW - MIN)
    original_atomic = sla.transaction.atomic

    def atomic_after_other_sweep(*args, **kwargs):
        type(sr).objects.filter(pk=sr.pk).update(escalated_at=NOW - MIN)  # the other sweep's claim
        return original_atomic(*args, **kwargs)

    mocker.patch.object(sla.transaction, "atomic", side_effect=atomic_after_other_sweep)
    assert sla_warn_and_escalate(NOW) == (0, 0)
    assert queued() == [] and not audit_events_for(sr).filter(verb="sla_escalated").exists()


@pytest.mark.django_db
def test_unassigned_request_tells_the_manager_only(make_running, boss):
    sr = make_running(NOW - MIN, assignee=None)
    assert sla_warn_and_escalate(NOW) == (0, 1)
    sr.refresh_from_db()
    assert sr.escalated_at == NOW and queued() == [(f"fulfillment.sla-escalated:{sr.pk}:{NOW.isoformat()}", boss.email)]


@pytest.mark.django_db
def test_nobody_to_tell_still_marks_the_request(make_running, desk_team):
    desk_team.manager = None
    desk_team.save(update_fields=["manager"])
    sr = make_running(NOW - MIN, assignee=None)
    assert sla_warn_and_escalate(NOW) == (0, 1)
    sr.refresh_from_db()
    assert sr.escalated_at == NOW and queued() == []


@pytest.mark.django_db
def test_sweep_task_runs_the_service(make_running):
    make_running(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert fulfillment_sla_sweep.apply().get() == (0, 1)


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_escalate_each_request_once(make_running):
    """Real concurrency (PostgreSQL): two sweeps in two threads, each with its own connection."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the claim is covered by the test above")
    requests = [make_running(NOW - MIN) for _ in range(20)]
    start = threading.Barrier(2)
    results: list[tuple[int, int]] = []

    def sweep():
        from django.db import connections

        try:
            start.wait()
            results.append(sla_warn_and_escalate(NOW))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(escalated for _, escalated in results) == len(requests)
    assert len(queued()) == 2 * len(requests)  # assignee and manager, once per request
    for sr in requests:
        assert audit_events_for(sr).filter(verb="sla_escalated").count() == 1
