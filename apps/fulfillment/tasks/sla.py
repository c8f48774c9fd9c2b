"""Celery tasks of fulfillment: sla."""

from celery import shared_task


@shared_task(acks_late=True)
def fulfillment_sla_sweep() -> tuple[int, int]:
    """Warn about requests due within the hour and escalate overdue ones; returns (warned, escalated).

    Scheduled every minute. Two sweeps at once (a redelivered message, two beats) act on each request once.
    """
    from apps.fulfillment.services.sla import sla_warn_and_escalate  # avoids a services<->tasks cycle

    return sla_warn_and_escalate()
