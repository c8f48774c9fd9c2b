"""Celery tasks of the core: sending the notification outbox. Thin and id-based; the work is in notifications."""

from celery import Task, shared_task

from apps.core.notifications import NotificationNotSent, notification_send, notification_sweep


@shared_task(bind=True, acks_late=True, max_retries=None)
def core_send_notification(self: Task, notification_id: int) -> str:
    """Send one outbox row. Delivered twice, it sends once: the second delivery finds the row claimed or sent.

    A failed send is retried with the backoff the row records (apps.core.notifications.MAX_ATTEMPTS bounds
    it, not Celery); if even the retry cannot be published, the sweep sends the row once it is due.
    """
    try:
        return notification_send(notification_id=notification_id)
    except NotificationNotSent as exc:
        raise self.retry(countdown=exc.retry_in, exc=exc) from exc


@shared_task(acks_late=True)
def core_sweep_notifications() -> int:
    """Publish outbox rows still pending after STEWARD_NOTIFICATION_SWEEP_AFTER_SECONDS; how many."""
    return notification_sweep()
