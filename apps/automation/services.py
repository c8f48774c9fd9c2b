"""Every write of the automation engine: queue a run, execute it once, sweep what was lost.

A run is claimed with a conditional update (pending -> running, attempts + 1) that also opens its attempt
(AutomationAttempt): two deliveries of the same task never both execute it. The action runs outside any
transaction; an action that calls out has its attempt marked first, so that a worker killed mid-call leaves
a trace. Its outcome and the subject handler's reaction (apps.automation.registry.SubjectHandler.on_finished)
are written in one transaction, errors and outputs scrubbed of secrets (apps.automation.redaction).

Bounded: the task has Celery time limits (settings.STEWARD_AUTOMATION_TIME_LIMIT_SECONDS), so a run still
"running" after ``run_timeout()`` has certainly lost its worker; the sweep then reclaims it: back to pending
(same Subject.key, so endpoints can ignore the repeat) or, for a non-idempotent action whose external call
may have happened, "needs attention" for a person to decide.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from functools import partial
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from apps.automation.choices import AttemptOutcome, RunStatus
from apps.automation.exceptions import ActionError, RetryableError, RetryNeedsConfirmation
from apps.automation.models import AutomationAttempt, AutomationRun
from apps.automation.redaction import redact, redact_data
from apps.automation.registry import Action, Subject, get_action, get_subject_handler

logger = logging.getLogger(__name__)
R = RunStatus

MAX_ATTEMPTS = 6  # the first try and the task's 5 retries (apps.automation.tasks.automation_execute_run)
BACKOFF_MAX_SECONDS = 600  # the task's retry_backoff_max
NEEDS_ATTENTION_ERROR = (
    "The worker stopped after the external call may have happened, and this action is not safe to repeat: "
    "check with the receiving side, then retry (confirming) or finish the request by hand."
)


def sweep_after() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "STEWARD_AUTOMATION_SWEEP_AFTER_SECONDS", 60))


def task_time_limit() -> int:
    """The hard Celery time limit of automation_execute_run, in seconds (its soft limit is up to 10 s less)."""
    return int(getattr(settings, "STEWARD_AUTOMATION_TIME_LIMIT_SECONDS", 75))


def run_timeout() -> dt.timedelta:
    """After this long in "running", the attempt's worker is certainly gone and the run may be reclaimed.

    The hard time limit kills the task's process by then (the limit starts before the claim stamps
    ``started_at``); the margin covers clock differences between the worker hosts and the sweep's.
    """
    margin = int(getattr(settings, "STEWARD_AUTOMATION_RECLAIM_MARGIN_SECONDS", 15))
    return dt.timedelta(seconds=task_time_limit() + margin)


# --- Queueing ----------------------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


@transaction.atomic
def run_create(
    *, action: str, subject_type: str, subject_id: str, params: dict[str, Any], config: dict[str, Any] | None = None
) -> AutomationRun:
    """Record a pending run of ``action`` for the subject and dispatch it once the transaction commits.

    The subject's next sequence number is the idempotency key; a subject with a run in flight raises
    IntegrityError (the ``one_active`` constraint).
    """
    last = AutomationRun.objects.filter(subject_type=subject_type, subject_id=subject_id).aggregate(n=Max("sequence"))
    run = AutomationRun.objects.create(
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        sequence=(last["n"] or 0) + 1,
        params=_jsonable(params),
        config=_jsonable(config or {}),
        available_at=timezone.now(),
    )
    transaction.on_commit(partial(run_dispatch, run_id=run.pk))
    return run


def run_dispatch(*, run_id: int) -> bool:
    """Send the run to the workers; a broker failure is logged, not raised: the sweep sends it later."""
    from apps.automation.tasks import automation_execute_run  # avoids a services<->tasks cycle

    try:
        automation_execute_run.delay(run_id)
    except Exception:  # kombu raises OperationalError, redis ConnectionError...: all mean "not sent"
        logger.warning("Could not dispatch automation run %s; the sweep will retry.", run_id, exc_info=True)
        return False
    return True


def run_retry_check(*, subject_type: str, subject_id: str, confirmed: bool) -> bool:
    """Whether the retry repeats a run that needs attention; RetryNeedsConfirmation if so and unconfirmed.

    Subject owners call it before queueing a retry: a run in that state may have made its external call, and
    only a person who was told so may make it again.
    """
    last = AutomationRun.objects.filter(subject_type=subject_type, subject_id=str(subject_id)).order_by("-sequence")
    repeats = last.values_list("status", flat=True).first() == R.NEEDS_ATTENTION
    if repeats and not confirmed:
        raise RetryNeedsConfirmation(
            "The last run stopped after its external call may have happened: retrying may make it twice. "
            "Confirm the retry to go ahead."
        )
    return repeats


# --- Execution ---------------------------------------------------------------------------------------------


@transaction.atomic
def _claim(run_id: int) -> tuple[AutomationRun, AutomationAttempt] | None:
    now = timezone.now()
    claimed = AutomationRun.objects.filter(pk=run_id, status=R.PENDING).update(
        status=R.RUNNING, attempts=F("attempts") + 1, started_at=now, finished_at=None
    )
    if claimed != 1:
        return None
    run = AutomationRun.objects.get(pk=run_id)
    return run, AutomationAttempt.objects.create(run=run, number=run.attempts, started_at=now)


def run_execute(*, run_id: int) -> AutomationRun | None:
    """Claim and execute one run; the run as it ends up (None if it does not exist).

    Exits quietly when another delivery holds or finished the run. A redelivered message for a run whose
    worker died is reclaimed first, as the sweep would. Raises RetryableError, after putting the run back
    to pending, when the action failed transiently and attempts remain.
    """
    stale = AutomationRun.objects.filter(pk=run_id, status=R.RUNNING, started_at__lt=timezone.now() - run_timeout())
    for run in stale:
        run_reclaim(run=run)
    claimed = _claim(run_id)
    if claimed is None:
        return AutomationRun.objects.filter(pk=run_id).first()
    run, attempt = claimed
    action = get_action(run.action)
    if action is None:
        return _finish(run, status=R.FAILED, error=f'Unknown automation action "{run.action}".')
    return _attempt(run, action, attempt)


def _attempt(run: AutomationRun, action: Action, attempt: AutomationAttempt) -> AutomationRun:
    subject = Subject(type=run.subject_type, id=run.subject_id, key=run.key)
    try:
        if action.calls_out:
            # Committed before the call: if the worker dies during it, the sweep knows it may have happened.
            AutomationAttempt.objects.filter(pk=attempt.pk).update(called_out_at=timezone.now())
        result = action.run(params=run.params, subject=subject, config=run.config)
    except SoftTimeLimitExceeded:
        if not action.idempotent and action.calls_out:
            return _finish(
                run, status=R.NEEDS_ATTENTION, error=NEEDS_ATTENTION_ERROR, attempt_outcome=AttemptOutcome.FAILED
            )
        return _retry_or_give_up(run, action, RetryableError("Stopped at the time limit."))
    except RetryableError as exc:
        return _retry_or_give_up(run, action, exc)
    except ActionError as exc:
        return _finish(run, status=R.FAILED, error=_scrub(run, action, str(exc)))
    except Exception as exc:  # a bug in an action fails the run visibly instead of leaving it running
        logger.exception("Automation run %s crashed", run.pk)
        error = _scrub(run, action, f"Unexpected error ({type(exc).__name__}): {exc}")
        return _finish(run, status=R.FAILED, error=error)
    return _finish(run, status=R.SUCCEEDED, output=redact_data(_jsonable(result.output), secrets=_secrets(run, action)))


def _retry_or_give_up(run: AutomationRun, action: Action, exc: RetryableError) -> AutomationRun:
    """Back to pending for the task's retry (raising ``exc`` again), or failed when attempts are spent."""
    error = _scrub(run, action, str(exc))
    if run.attempts < MAX_ATTEMPTS:
        _release(run, error=error)
        raise exc
    return _finish(run, status=R.FAILED, error=f"Gave up after {run.attempts} attempts: {error}")


def _secrets(run: AutomationRun, action: Action | None) -> list[str]:
    if action is None:
        return []
    try:
        return action.secrets(run.config)
    except Exception:  # an unreadable secret must not hide the run's real outcome
        logger.exception("Could not read the secrets of run %s to scrub them", run.pk)
        return []


def _scrub(run: AutomationRun, action: Action | None, text: str) -> str:
    return redact(text, secrets=_secrets(run, action))


def _close_attempt(run: AutomationRun, *, outcome: str, error: str = "") -> None:
    AutomationAttempt.objects.filter(run_id=run.pk, number=run.attempts, outcome=AttemptOutcome.RUNNING).update(
        outcome=outcome, error=error, finished_at=timezone.now()
    )


def _release(run: AutomationRun, *, error: str) -> None:
    """Back to pending until the task's retry; the sweep waits past the longest backoff before resending."""
    backoff = dt.timedelta(seconds=min(BACKOFF_MAX_SECONDS, 2 ** max(run.attempts - 1, 0)) + 1)
    with transaction.atomic():
        released = AutomationRun.objects.filter(pk=run.pk, status=R.RUNNING, attempts=run.attempts).update(
            status=R.PENDING, error=error, available_at=timezone.now() + backoff
        )
        if released == 1:
            _close_attempt(run, outcome=AttemptOutcome.RETRYING, error=error)


FINAL_OUTCOMES = {
    R.SUCCEEDED: AttemptOutcome.SUCCEEDED,
    R.FAILED: AttemptOutcome.FAILED,
    R.NEEDS_ATTENTION: AttemptOutcome.LOST,
}


def _finish(
    run: AutomationRun,
    *,
    status: str,
    output: dict[str, Any] | None = None,
    error: str = "",
    attempt_outcome: str | None = None,
) -> AutomationRun:
    with transaction.atomic():
        # Only the holder of this attempt may finish it: a run reclaimed after a timeout is not finished twice.
        finished = AutomationRun.objects.filter(pk=run.pk, status=R.RUNNING, attempts=run.attempts).update(
            status=status, output=output or {}, error=error, finished_at=timezone.now()
        )
        if finished == 1:
            _close_attempt(run, outcome=attempt_outcome or FINAL_OUTCOMES[R(status)], error=error)
        run.refresh_from_db()
        if finished == 1:
            _notify_subject(run)
    return run


def _notify_subject(run: AutomationRun) -> None:
    handler = get_subject_handler(run.subject_type)
    if handler is None:
        logger.warning("No subject handler for %s: run %s finished unheard.", run.subject_type, run.pk)
        return
    try:
        with transaction.atomic():  # a savepoint: the handler's failure must not lose the run's outcome
            handler.on_finished(run)
    except Exception:
        logger.exception("The %s handler failed on run %s", run.subject_type, run.pk)


# --- Reclaim and sweep -------------------------------------------------------------------------------------


def run_reclaim(*, run: AutomationRun, now: dt.datetime | None = None) -> str:
    """What becomes of a run whose worker died mid-attempt (the caller checked ``run_timeout()`` passed).

    Pending again (due for the sweep at once), with the same key; failed when attempts are spent; "needs
    attention" when the action is not idempotent and the lost attempt may have made its external call.
    Returns the run's status afterwards; a run another process reclaimed or finished meanwhile is left alone.
    """
    now = now or timezone.now()
    action = get_action(run.action)
    lost = AutomationAttempt.objects.filter(run_id=run.pk, number=run.attempts).first()
    if lost is not None and lost.called_out_at is not None and not (action is not None and action.idempotent):
        return _finish(run, status=R.NEEDS_ATTENTION, error=NEEDS_ATTENTION_ERROR).status
    if run.attempts >= MAX_ATTEMPTS:
        return _finish(
            run, status=R.FAILED, error="The worker never finished it.", attempt_outcome=AttemptOutcome.LOST
        ).status
    with transaction.atomic():
        moved = AutomationRun.objects.filter(pk=run.pk, status=R.RUNNING, attempts=run.attempts).update(
            status=R.PENDING, available_at=now - sweep_after(), error="The worker stopped; the run is resent."
        )
        if moved == 1:
            _close_attempt(run, outcome=AttemptOutcome.LOST)
    return R.PENDING if moved == 1 else AutomationRun.objects.values_list("status", flat=True).get(pk=run.pk)


def run_sweep(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Reclaim runs whose worker died, re-dispatch runs pending too long (lost messages); how many were sent."""
    now = now or timezone.now()
    stale = AutomationRun.objects.filter(status=R.RUNNING, started_at__lt=now - run_timeout())
    for run in list(stale.order_by("started_at")[:limit]):
        run_reclaim(run=run, now=now)
    sent = 0
    due = AutomationRun.objects.filter(status=R.PENDING, available_at__lte=now - sweep_after())
    for pk in list(due.order_by("available_at").values_list("pk", flat=True)[:limit]):
        # Pushed forward first, so a broker that stays down is not flooded by every sweep.
        if due.filter(pk=pk).update(available_at=now) == 1 and run_dispatch(run_id=pk):
            sent += 1
    return sent
