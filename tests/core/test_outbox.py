"""The notification outbox: one row per (event, recipient, channel), sent once, retried with backoff, swept."""

import datetime as dt
import threading
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from apps.core import dispatch, notifications
from apps.core.models import Notification
from apps.core.notifications import Email, NotificationNotSent, notification_queue, notification_send
from apps.core.selectors import audit_events_for
from apps.core.tasks import core_send_notification, core_sweep_notifications

pytestmark = pytest.mark.django_db
EMAILS = [
    Email(to="ann@example.com", subject="Hello", body="Body"),
    Email(to="bob@example.com", subject="Hi", body="B"),
]


class RefusingBackend(BaseEmailBackend):
    """A mail server that hangs up: every send fails the way smtplib does."""

    def send_messages(self, email_messages):
        raise SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def refusing_smtp(settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"


@pytest.fixture
def published(mocker):
    """The send task's publish, recorded instead of made."""
    return mocker.patch.object(core_send_notification, "apply_async")


@pytest.fixture(autouse=True)
def _broker_not_paused():
    dispatch.broker_failure_forget()
    yield
    dispatch.broker_failure_forget()


def queue(key="test.event:1", emails=EMAILS):
    with transaction.atomic():
        return notification_queue(event_key=key, emails=emails)


def status_of(pk):
    return Notification.objects.values_list("status", "attempts").get(pk=pk)


# --- Queueing ---------------------------------------------------------------------------------------------


def test_one_row_per_recipient_published_after_commit(published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ids = notification_queue(event_key="test.event:1", emails=EMAILS)
    assert Notification.objects.filter(pk__in=ids, status="pending").count() == 2
    published.assert_not_called()  # nothing leaves before the event's transaction commits

    for callback in callbacks:
        callback()
    assert sorted(call.args[0][0] for call in published.call_args_list) == sorted(ids)
    assert all(call.kwargs == {"ignore_result": True} for call in published.call_args_list)


def test_queueing_the_same_event_again_adds_no_row(published):
    first = queue()
    again = queue(emails=[*EMAILS, Email(to="cy@example.com", subject="Hey", body="C")])

    assert Notification.objects.filter(event_key="test.event:1").count() == 3
    assert set(first) < set(again)  # the new recipient is added, the others kept


def test_the_database_refuses_a_second_row_for_the_same_key():
    queue()
    row = Notification.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            event_key=row.event_key, recipient=row.recipient, subject="x", body="y", available_at=timezone.now()
        )


def test_a_subject_with_a_newline_is_folded(published):
    [pk] = queue(emails=[Email(to="ann@example.com", subject="Line one\nBcc: evil@example.com", body="b")])
    assert Notification.objects.get(pk=pk).subject == "Line one Bcc: evil@example.com"


def test_nothing_is_queued_while_notifications_are_off(settings):
    settings.STEWARD_SEND_NOTIFICATIONS = False
    assert queue() == []
    assert not Notification.objects.exists()


# --- Sending ----------------------------------------------------------------------------------------------


def test_send_marks_sent_once_and_a_second_delivery_sends_nothing(published):
    pk = queue()[0]

    assert notification_send(notification_id=pk) == "sent"
    assert notification_send(notification_id=pk) == "sent"  # a redelivered message

    assert [m.to for m in mail.outbox] == [["ann@example.com"]]
    row = Notification.objects.get(pk=pk)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, "")
    assert row.sent_at is not None
    assert mail.outbox[0].extra_headers["Message-ID"].startswith(f"<steward.{pk}.")


def test_the_task_run_twice_sends_one_email(published):
    pk = queue()[0]

    results = [core_send_notification.apply(args=(pk,)).get() for _ in range(2)]

    assert results == ["sent", "sent"] and len(mail.outbox) == 1


def test_a_row_held_by_another_delivery_is_left_alone(published):
    pk = queue()[0]
    Notification.objects.filter(pk=pk).update(status="sending", claimed_at=timezone.now())

    assert notification_send(notification_id=pk) == "sending"
    assert mail.outbox == []


def test_a_row_whose_worker_died_is_claimed_again_after_the_claim_timeout(published):
    pk = queue()[0]
    long_ago = timezone.now() - notifications.claim_timeout() - dt.timedelta(seconds=1)
    Notification.objects.filter(pk=pk).update(status="sending", attempts=1, claimed_at=long_ago)

    assert notification_send(notification_id=pk) == "sent"
    assert status_of(pk) == ("sent", 2)


def test_a_missing_row_is_reported_not_raised():
    assert notification_send(notification_id=987_654) == "missing"


def test_a_failed_send_goes_back_to_pending_with_a_backoff(published, refusing_smtp):
    pk = queue()[0]
    before = timezone.now()

    with pytest.raises(NotificationNotSent) as failed:
        notification_send(notification_id=pk)

    row = Notification.objects.get(pk=pk)
    assert (row.status, row.attempts, failed.value.retry_in) == ("pending", 1, notifications.BACKOFF_BASE_SECONDS)
    assert "SMTPServerDisconnected" in row.last_error
    assert row.available_at >= before + dt.timedelta(seconds=notifications.BACKOFF_BASE_SECONDS)


def test_the_backoff_doubles_up_to_its_ceiling(published, refusing_smtp):
    pk = queue()[0]
    waits = []
    for _ in range(6):
        with pytest.raises(NotificationNotSent) as failed:
            notification_send(notification_id=pk)
        waits.append(failed.value.retry_in)
    assert waits == [60, 120, 240, 480, 900, 900]


def test_the_task_retries_until_the_last_attempt_then_the_row_is_failed(published, refusing_smtp):
    pk = queue()[0]

    # Eager apply re-runs a retry at once, so this walks through every attempt.
    result = core_send_notification.apply(args=(pk,))

    assert result.get() == "failed"
    row = Notification.objects.get(pk=pk)
    assert (row.status, row.attempts) == ("failed", notifications.MAX_ATTEMPTS)
    assert row.last_error.startswith(f"Gave up after {notifications.MAX_ATTEMPTS} attempts")
    [event] = audit_events_for(row)
    assert (event.verb, event.actor, event.data["attempts"]) == ("notification_failed", None, 10)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_deliveries_send_one_email():
    """Real concurrency (PostgreSQL): two deliveries claim the same row at once in two threads."""
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the claim is covered by the sequential tests above")
    dispatch_off = dispatch._paused_until
    dispatch._paused_until = float("inf")  # no publishing after commit: the threads are the deliveries
    try:
        pk = queue()[0]
    finally:
        dispatch._paused_until = dispatch_off
    start = threading.Barrier(2)
    results: list[str] = []

    def deliver():
        try:
            start.wait()
            results.append(notification_send(notification_id=pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(mail.outbox) == 1
    assert sorted(results) in (["sending", "sent"], ["sent", "sent"])
    assert status_of(pk) == ("sent", 1)


# --- The sweep --------------------------------------------------------------------------------------------


def _age(pk, seconds):
    Notification.objects.filter(pk=pk).update(available_at=timezone.now() - dt.timedelta(seconds=seconds))


def test_sweep_publishes_rows_pending_too_long_and_not_fresh_ones(published, settings):
    settings.STEWARD_NOTIFICATION_SWEEP_AFTER_SECONDS = 60
    old, fresh = queue()
    _age(old, 120)
    published.reset_mock()

    assert core_sweep_notifications.apply().get() == 1
    assert [call.args[0][0] for call in published.call_args_list] == [old]
    assert notifications.notification_sweep() == 0  # pushed forward: not sent again by the next sweep
    assert status_of(fresh) == ("pending", 0)


def test_sweep_gives_back_rows_whose_worker_died(published, settings):
    settings.STEWARD_NOTIFICATION_SWEEP_AFTER_SECONDS = 0
    pk = queue()[0]
    long_ago = timezone.now() - notifications.claim_timeout() - dt.timedelta(seconds=1)
    Notification.objects.filter(pk=pk).update(status="sending", attempts=1, claimed_at=long_ago)
    published.reset_mock()

    assert notifications.notification_sweep() == 2
    assert status_of(pk) == ("pending", 1)


def test_sweep_ignores_sent_failed_and_held_rows(published, settings):
    settings.STEWARD_NOTIFICATION_SWEEP_AFTER_SECONDS = 0
    sent, failed = queue()
    held = queue(key="test.event:2")[0]
    Notification.objects.filter(pk=sent).update(status="sent")
    Notification.objects.filter(pk=failed).update(status="failed")
    Notification.objects.filter(pk=held).update(status="sending", claimed_at=timezone.now())
    published.reset_mock()

    assert notifications.notification_sweep() == 1  # only the other row of event 2
    assert published.call_count == 1


def test_sweep_stops_at_a_broker_that_is_down_and_keeps_the_rows(mocker, settings):
    settings.STEWARD_NOTIFICATION_SWEEP_AFTER_SECONDS = 0
    down = mocker.patch.object(core_send_notification, "apply_async", side_effect=OperationalError("refused"))
    queue()

    assert notifications.notification_sweep() == 0
    assert down.call_count == 1  # gave up at the first failure, did not try every row
    assert Notification.objects.filter(status="pending").count() == 2


# --- Publishing without a broker ---------------------------------------------------------------------------


def test_a_failed_publish_pauses_publishing_for_a_moment(mocker):
    down = mocker.patch.object(core_send_notification, "apply_async", side_effect=OperationalError("refused"))

    assert dispatch.task_publish(core_send_notification, 1) is False
    assert dispatch.task_publish(core_send_notification, 2) is False
    assert down.call_count == 1  # the second request did not wait for the broker again

    dispatch.broker_failure_forget()
    down.side_effect = None
    assert dispatch.task_publish(core_send_notification, 3) is True
    assert down.call_count == 2
