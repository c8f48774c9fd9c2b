"""Celery tasks of fulfillment: approvals."""

from celery import shared_task

from apps.fulfillment.services.approvals import approvals_send_reminders


@shared_task(acks_late=True)
def fulfillment_send_approval_reminders() -> int:
    """Remind approvers of requests waiting too long; each request is reminded once per delay."""
    return approvals_send_reminders()
