"""Celery tasks of the automation engine: thin and id-based; the work is in services."""

from celery import shared_task

from apps.automation.exceptions import RetryableError


@shared_task(
    autoretry_for=(RetryableError,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
)
def automation_execute_run(run_id: int) -> str:
    """Execute one automation run. Delivered twice, it runs once: the second delivery finds it claimed."""
    from apps.automation.services import run_execute  # avoids a services<->tasks cycle

    run = run_execute(run_id=run_id)
    return run.status if run is not None else "missing"


@shared_task(acks_late=True)
def automation_sweep_pending() -> int:
    """Re-dispatch runs still pending after STEWARD_AUTOMATION_SWEEP_AFTER_SECONDS (lost messages)."""
    from apps.automation.services import run_sweep

    return run_sweep()
