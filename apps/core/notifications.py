"""The notification outbox: queue messages in the event's transaction, send each once from a worker.

An app that tells people about an event renders the messages while it writes the event and calls
notification_queue in the same transaction. After commit each row is published to
apps.core.tasks.core_send_notification; a dead broker only delays it, because the beat sweep
(notification_sweep) publishes again every row still pending. A delivery claims its row with a
conditional update (pending -> sending), so two deliveries of the same task send one message; SMTP is
spoken by the worker, outside any transaction, and a failure puts the row back to pending with a backoff.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import Truncator

from apps.core.choices import NotificationChannel, NotificationStatus
from apps.core.dispatch import task_publish
from apps.core.models import Notification
from apps.core.services import audit_record

logger = logging.getLogger(__name__)
N = NotificationStatus

MAX_ATTEMPTS = 10  # with the backoff below: about an hour and a half of retries before "failed"
BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 900
SMTP_TIMEOUT_SECONDS = 30  # when EMAIL_TIMEOUT is unset: a silent mail server must not hold a worker


@dataclass(frozen=True)
class Email:
    """One rendered email to one address."""

    to: str
    subject: str
    body: str


class NotificationNotSent(Exception):
    """A send failed and the row is pending again; retry the task after ``retry_in`` seconds."""

    def __init__(self, notification_id: int, retry_in: int, error: str) -> None:
        self.retry_in = retry_in
        super().__init__(f"Notification {notification_id} not sent (retry in {retry_in} s): {error}")


def sweep_after() -> dt.timedelta:
    """How long a pending row waits for its own task before the sweep publishes it again."""
    return dt.timedelta(seconds=getattr(settings, "STEWARD_NOTIFICATION_SWEEP_AFTER_SECONDS", 60))


def claim_timeout() -> dt.timedelta:
    """After this long in "sending" the worker is presumed dead: past the task's hard time limit, plus margin."""
    hard_limit = getattr(settings, "CELERY_TASK_TIME_LIMIT", None) or 300
    return dt.timedelta(seconds=hard_limit + 60)


# --- Queueing (in the event's transaction) ----------------------------------------------------------------


def _one_line(subject: str) -> str:
    # A newline in a header makes the send fail for good (BadHeaderError): fold it here.
    return Truncator(" ".join(subject.split())).chars(300)


def notification_queue(*, event_key: str, emails: Iterable[Email]) -> list[int]:
    """Write one outbox row per address for ``event_key`` and publish them after commit; the new rows' ids.

    Call it inside the transaction that records the event. An (event, address) already queued is left
    as it is, so queueing the same event twice sends once. Nothing is queued while
    STEWARD_SEND_NOTIFICATIONS is off (seed_demo writes its history without mailing anyone).
    """
    if not getattr(settings, "STEWARD_SEND_NOTIFICATIONS", True):
        return []
    now = timezone.now()
    rows = {
        email.to: Notification(
            event_key=event_key,
            recipient=email.to,
            channel=NotificationChannel.EMAIL,
            subject=_one_line(email.subject),
            body=email.body,
            available_at=now,
        )
        for email in emails
        if email.to
    }
    if not rows:
        return []
    Notification.objects.bulk_create(rows.values(), ignore_conflicts=True)
    pending = Notification.objects.filter(
        event_key=event_key, channel=NotificationChannel.EMAIL, recipient__in=list(rows), status=N.PENDING, attempts=0
    )
    ids = list(pending.order_by("pk").values_list("pk", flat=True))
    transaction.on_commit(partial(notification_publish, ids=ids))
    return ids


def notification_publish(*, ids: Sequence[int]) -> int:
    """Publish the send task of each row; stops at the first failure (the sweep sends the rest). How many went."""
    from apps.core.tasks import core_send_notification  # the task module imports this one

    for sent, pk in enumerate(ids):
        if not task_publish(core_send_notification, pk):
            return sent
    return len(ids)


# --- Sending (in the worker) ------------------------------------------------------------------------------


def _claim(notification_id: int, now: dt.datetime) -> Notification | None:
    claimable = Q(status=N.PENDING) | Q(status=N.SENDING, claimed_at__lt=now - claim_timeout())
    claimed = Notification.objects.filter(claimable, pk=notification_id).update(
        status=N.SENDING, attempts=F("attempts") + 1, claimed_at=now
    )
    return Notification.objects.get(pk=notification_id) if claimed == 1 else None


def _email_message(notification: Notification) -> EmailMessage:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "localhost"
    stamp = int(notification.created_at.timestamp())
    headers = {
        # The same id on every attempt: a message sent twice (a worker killed after SMTP said yes) is one
        # message to mail clients that de-duplicate.
        "Message-ID": f"<steward.{notification.pk}.{stamp}@{domain}>",
        "Auto-Submitted": "auto-generated",  # RFC 3834: out-of-office replies are not sent back
    }
    return EmailMessage(
        subject=notification.subject, body=notification.body, to=[notification.recipient], headers=headers
    )


def notification_send(*, notification_id: int) -> str:
    """Send one outbox row if no other delivery holds or sent it; the row's status afterwards.

    Raises NotificationNotSent when the send failed and attempts remain (the row is pending again).
    """
    notification = _claim(notification_id, timezone.now())
    if notification is None:
        row = Notification.objects.filter(pk=notification_id).values_list("status", flat=True).first()
        return row or "missing"
    timeout = getattr(settings, "EMAIL_TIMEOUT", None) or SMTP_TIMEOUT_SECONDS
    try:
        get_connection(timeout=timeout).send_messages([_email_message(notification)])
    except Exception as exc:  # SMTP errors, socket timeouts, a refused address: recorded on the row
        logger.warning("Notification %s not sent (attempt %s)", notification.pk, notification.attempts, exc_info=True)
        return _failed(notification, error=f"{type(exc).__name__}: {exc}")
    Notification.objects.filter(pk=notification.pk, status=N.SENDING, attempts=notification.attempts).update(
        status=N.SENT, sent_at=timezone.now(), last_error=""
    )
    return N.SENT


def _failed(notification: Notification, *, error: str) -> str:
    """Back to pending with a backoff, or failed for good after MAX_ATTEMPTS."""
    mine = Notification.objects.filter(pk=notification.pk, status=N.SENDING, attempts=notification.attempts)
    error = Truncator(error).chars(2000)
    if notification.attempts >= MAX_ATTEMPTS:
        with transaction.atomic():
            if mine.update(status=N.FAILED, last_error=f"Gave up after {notification.attempts} attempts: {error}"):
                # Sent rows are their own record (sent_at); a message given up on is worth the audit trail.
                audit_record(
                    target=notification, verb="notification_failed", attempts=notification.attempts, error=error
                )
        return N.FAILED
    retry_in = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (notification.attempts - 1))
    mine.update(status=N.PENDING, last_error=error, available_at=timezone.now() + dt.timedelta(seconds=retry_in))
    raise NotificationNotSent(notification.pk, retry_in, error)


# --- The sweep (beat) -------------------------------------------------------------------------------------


def notification_sweep(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Publish rows pending past their time (lost messages, a broker that was down); reclaim dead sends.

    Returns how many were published. Each row is pushed forward before it is published, so a broker that
    stays down is not sent the same rows by every sweep.
    """
    now = now or timezone.now()
    Notification.objects.filter(status=N.SENDING, claimed_at__lt=now - claim_timeout()).update(status=N.PENDING)
    due = Notification.objects.filter(status=N.PENDING, available_at__lte=now - sweep_after())
    published = 0
    for pk in list(due.order_by("available_at").values_list("pk", flat=True)[:limit]):
        if due.filter(pk=pk).update(available_at=now) == 1:
            if notification_publish(ids=[pk]) == 0:
                break  # the broker is down again: the next sweep carries on
            published += 1
    return published
