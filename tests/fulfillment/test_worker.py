"""Notifications and auto-close through the real broker and a real Celery worker: nothing of ours is mocked."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from apps.core.models import Notification
from apps.core.tasks import core_send_notification
from apps.fulfillment import services, tasks
from apps.fulfillment.choices import RequestStatus
from tests.fulfillment.factories import ServiceRequestFactory
from tests.waiting import wait_for

S = RequestStatus


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_status_change_email_is_sent_by_the_worker_after_commit(celery_worker, owner, agent, item):
    sr = ServiceRequestFactory(requester=owner, item=item)

    services.request_transition(request=sr, to=S.IN_PROGRESS, actor=agent, comment="Picked up")

    assert wait_for(lambda: any(sr.number in m.subject for m in mail.outbox))
    message = next(m for m in mail.outbox if sr.number in m.subject)
    assert message.to == ["owner@example.com"] and "Picked up" in message.body


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_auto_close_runs_in_the_worker(celery_worker, owner, item, settings):
    old = ServiceRequestFactory(
        requester=owner, item=item, status=S.FULFILLED, fulfilled_at=timezone.now() - dt.timedelta(days=30)
    )

    closed = tasks.fulfillment_close_fulfilled_requests.apply_async(ignore_result=False).get(timeout=15)

    assert closed == 1
    old.refresh_from_db()
    assert old.status == S.CLOSED


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_notification_delivered_three_times_is_sent_once(celery_worker, owner, agent, item):
    sr = ServiceRequestFactory(requester=owner, item=item)
    services.request_transition(request=sr, to=S.IN_PROGRESS, actor=agent)
    row = Notification.objects.get(event_key__startswith="fulfillment.status:")

    # Besides the publish after commit: a redelivery after a lost ack and a duplicate publish.
    duplicates = [core_send_notification.apply_async((row.pk,), ignore_result=False) for _ in range(2)]

    assert [result.get(timeout=15) for result in duplicates] == ["sent", "sent"]
    assert wait_for(lambda: Notification.objects.filter(pk=row.pk, status="sent").exists())
    assert [m.to for m in mail.outbox if sr.number in m.subject] == [[owner.email]]
    assert Notification.objects.get(pk=row.pk).attempts == 1
