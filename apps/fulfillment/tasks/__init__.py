"""Celery tasks of fulfillment: thin, id-based, idempotent; the work is in services."""

from celery import shared_task


@shared_task(acks_late=True)
def fulfillment_close_fulfilled_requests() -> int:
    """Close requests fulfilled more than STEWARD_AUTO_CLOSE_DAYS ago. Running it twice closes each once."""
    from apps.fulfillment.services import request_close_fulfilled  # avoids a services<->tasks cycle

    return request_close_fulfilled()


@shared_task(acks_late=True)
def fulfillment_send_status_email(*, event_id: int) -> int:
    """Email the people following a request about one status event (creation or transition)."""
    from apps.fulfillment.services import request_send_status_email

    return request_send_status_email(event_id=event_id)


@shared_task(acks_late=True)
def fulfillment_send_comment_email(*, comment_id: int) -> int:
    """Email the people following a request about one public comment."""
    from apps.fulfillment.services import request_send_comment_email

    return request_send_comment_email(comment_id=comment_id)


# Celery's autodiscovery imports this package only: the task modules of each concern register here.
from apps.fulfillment.tasks import approvals, automation, sla  # noqa: E402, F401
