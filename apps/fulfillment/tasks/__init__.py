"""Celery tasks of fulfillment: thin, id-based, idempotent; the work is in services.

Services no longer dispatch tasks (they queue mail in apps.core's outbox), so tasks import them at the top.
"""

from celery import shared_task

from apps.fulfillment.services import (
    request_close_fulfilled,
    request_queue_comment_email,
    request_queue_status_email,
)


@shared_task(acks_late=True)
def fulfillment_close_fulfilled_requests() -> int:
    """Close requests fulfilled more than STEWARD_AUTO_CLOSE_DAYS ago. Running it twice closes each once."""
    return request_close_fulfilled()


# The two tasks below sent mail before the outbox (apps.core.notifications) existed; new events queue their
# mail in their own transaction. They stay so that messages published by an older release still turn into
# outbox rows; remove them one release later.


@shared_task(acks_late=True)
def fulfillment_send_status_email(*, event_id: int) -> int:
    """Queue the outbox email of one status event (creation or transition); how many rows are pending."""
    return request_queue_status_email(event_id=event_id)


@shared_task(acks_late=True)
def fulfillment_send_comment_email(*, comment_id: int) -> int:
    """Queue the outbox email of one public comment; how many rows are pending."""
    return request_queue_comment_email(comment_id=comment_id)


# Celery's autodiscovery imports this package only: the task modules of each concern register here.
from apps.fulfillment.tasks import approvals, automation, sla  # noqa: E402, F401
