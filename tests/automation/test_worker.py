"""Automated fulfilment through the real broker and a real Celery worker: nothing of ours is mocked
(except the broker being down, in the last test)."""

import pytest
from kombu.exceptions import OperationalError

from apps.accounts.models import Membership
from apps.automation import tasks
from apps.automation.models import AutomationRun
from apps.core.models import AuditEvent
from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.models import ServiceRequest
from apps.fulfillment.services import request_create
from tests.waiting import wait_for

S = RequestStatus


def status_of(sr):
    return ServiceRequest.objects.values_list("status", flat=True).get(pk=sr.pk)


def fulfilled_events(sr):
    return AuditEvent.objects.filter(
        target_type="fulfillment.servicerequest", target_id=str(sr.pk), verb="status_changed", data__to=S.FULFILLED
    ).count()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_join_team_is_fulfilled_exactly_once_even_when_delivered_twice(celery_worker, owner, guild, join_item):
    sr = request_create(item=join_item, requester=owner, answers={"team": "guild"})
    run = AutomationRun.objects.get(subject_id=str(sr.pk))

    # The same task delivered twice more (a redelivery after a lost ack, a duplicate publish).
    # Results are off by default (CELERY_TASK_IGNORE_RESULT): a caller that reads one asks for it.
    duplicates = [tasks.automation_execute_run.apply_async((run.pk,), ignore_result=False) for _ in range(2)]

    assert wait_for(lambda: status_of(sr) == S.FULFILLED)
    assert [result.get(timeout=20) for result in duplicates] == ["succeeded", "succeeded"]
    run.refresh_from_db()
    assert run.status == "succeeded" and run.attempts == 1
    assert Membership.objects.filter(user=owner, team=guild).count() == 1
    assert fulfilled_events(sr) == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_failed_http_run_fails_the_request_then_an_agent_retry_fulfils_it(
    celery_worker, owner, agent, desk_team, endpoint_for, local_server
):
    from apps.fulfillment.services.automation import request_automation_retry
    from tests.factories import CatalogItemFactory

    endpoint = endpoint_for("/status/400")
    item = CatalogItemFactory(
        slug="webhook", fulfilling_team=desk_team, fulfilment_mode="automated", automation_action="http",
        automation_config={"endpoint": "hook"},
    )  # fmt: skip
    sr = request_create(item=item, requester=owner, answers={"reason": "new repo"})
    assert wait_for(lambda: status_of(sr) == S.FAILED)
    assert "answered 400" in AutomationRun.objects.get(subject_id=str(sr.pk)).error

    endpoint.url = endpoint.url.replace("/status/400", "/ok")
    endpoint.save()
    sr.refresh_from_db()
    request_automation_retry(request=sr, actor=agent)

    assert wait_for(lambda: status_of(sr) == S.FULFILLED)
    runs = AutomationRun.objects.filter(subject_id=str(sr.pk)).order_by("sequence")
    assert [(r.status, r.output.get("status")) for r in runs] == [("failed", None), ("succeeded", 200)]
    _base, received = local_server
    assert [r["path"] for r in received] == ["/status/400", "/ok"]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_broker_down_the_request_is_saved_and_the_sweep_dispatches_it(
    celery_worker, owner, guild, join_item, mocker, settings
):
    settings.STEWARD_AUTOMATION_SWEEP_AFTER_SECONDS = 0
    down = mocker.patch.object(tasks.automation_execute_run, "delay", side_effect=OperationalError("broker down"))

    sr = request_create(item=join_item, requester=owner, answers={"team": "guild"})

    assert down.called and status_of(sr) == S.IN_PROGRESS
    assert AutomationRun.objects.get(subject_id=str(sr.pk)).status == "pending"
    mocker.stopall()  # the broker is back

    assert tasks.automation_sweep_pending.apply_async(ignore_result=False).get(timeout=20) == 1
    assert wait_for(lambda: status_of(sr) == S.FULFILLED)
    assert Membership.objects.filter(user=owner, team=guild).count() == 1
