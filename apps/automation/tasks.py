"""Celery tasks of the automation engine: thin and id-based; the work is in services."""

from celery import shared_task
from django.conf import settings

from apps.automation.exceptions import RetryableError

# Read once at import (Celery fixes a task's limits when it registers it); services.run_timeout() derives the
# sweep's reclaim delay from the same setting, so a run is never reclaimed while its task may still run.
TIME_LIMIT = int(getattr(settings, "STEWARD_AUTOMATION_TIME_LIMIT_SECONDS", 75))
# The soft limit leaves the run time to record its outcome (services._attempt) before the hard kill.
SOFT_TIME_LIMIT = TIME_LIMIT - max(1, min(10, TIME_LIMIT // 4))


@shared_task(
    autoretry_for=(RetryableError,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
    reject_on_worker_lost=True,  # a killed child's message goes back to the queue, not to the void
    time_limit=TIME_LIMIT,
    soft_time_limit=SOFT_TIME_LIMIT,
)
def automation_execute_run(run_id: int) -> str:
    """Execute one automation run. Delivered twice, it runs once: the second delivery finds it claimed."""
    from apps.automation.services import run_execute  # avoids a services<->tasks cycle

    run = run_execute(run_id=run_id)
    return run.status if run is not None else "missing"


@shared_task(acks_late=True, time_limit=60, soft_time_limit=50)
def automation_sweep_pending() -> int:
    """Reclaim runs whose worker died and re-dispatch runs the broker lost (STEWARD_AUTOMATION_SWEEP_AFTER_SECONDS)."""
    from apps.automation.services import run_sweep

    return run_sweep()
