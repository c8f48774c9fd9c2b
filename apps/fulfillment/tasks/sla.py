"""Celery tasks of fulfillment: sla."""

from celery import shared_task

from apps.fulfillment.services.sla import sla_warn_and_escalate


@shared_task(acks_late=True)
def fulfillment_sla_sweep() -> tuple[int, int]:
    """Warn about requests due within the hour and escalate overdue ones; returns (warned, escalated).

    Scheduled every minute. Two sweeps at once (a redelivered message, two beats) act on each request once.
    """
    return sla_warn_and_escalate()
