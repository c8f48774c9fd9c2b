"""Approval decisions and reminders through the real broker and a real Celery worker: nothing of ours is mocked."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.models import ServiceRequest
from apps.fulfillment.services.approvals import approval_decide
from apps.fulfillment.tasks.approvals import fulfillment_send_approval_reminders
from tests.fulfillment.factories import ServiceRequestFactory
from tests.waiting import wait_for

S = RequestStatus


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_requester_is_emailed_the_decision_by_the_worker(celery_worker, owner, manager, manager_item):
    sr = ServiceRequestFactory(requester=owner, item=manager_item, status=S.AWAITING_APPROVAL)

    approval_decide(request=sr, decision="reject", actor=manager, comment="Budget is frozen")

    assert wait_for(lambda: any(sr.number in m.subject and "Rejected" in m.subject for m in mail.outbox))
    message = next(m for m in mail.outbox if sr.number in m.subject)
    assert message.to == [owner.email] and "Budget is frozen" in message.body


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_reminder_task_runs_in_the_worker_once(celery_worker, owner, manager, manager_item, settings):
    settings.STEWARD_APPROVAL_REMINDER_HOURS = 24
    sr = ServiceRequestFactory(requester=owner, item=manager_item, status=S.AWAITING_APPROVAL)
    ServiceRequest.objects.filter(pk=sr.pk).update(created_at=timezone.now() - dt.timedelta(hours=30))

    # Results are off by default (CELERY_TASK_IGNORE_RESULT); a caller that reads one asks for it.
    first = fulfillment_send_approval_reminders.apply_async(ignore_result=False)
    second = fulfillment_send_approval_reminders.apply_async(ignore_result=False)

    assert sorted([first.get(timeout=15), second.get(timeout=15)]) == [0, 1]
    assert wait_for(lambda: any("Waiting for your approval" in m.subject for m in mail.outbox))
    reminders = [m for m in mail.outbox if "Waiting for your approval" in m.subject]
    assert [m.to for m in reminders] == [[manager.email]]
