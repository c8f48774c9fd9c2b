"""Every write of the automation engine: queue a run, execute it once, sweep what was lost.

A run is claimed with a conditional update (pending -> running, attempts + 1): two deliveries of the same
task never both execute it. The action runs outside any transaction; its outcome and the subject handler's
reaction (apps.automation.registry.SubjectHandler.on_finished) are written in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from apps.automation.choices import RunStatus
from apps.automation.exceptions import ActionError, RetryableError
from apps.automation.models import AutomationRun
from apps.automation.registry import Subject, check_config, get_action, get_subject_handler

logger = logging.getLogger(__name__)
R = RunStatus

MAX_ATTEMPTS = 6  # the first try and the task's 5 retries (apps.automation.tasks.automation_execute_run)
BACKOFF_MAX_SECONDS = 600  # the task's retry_backoff_max


def sweep_after() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "STEWARD_AUTOMATION_SWEEP_AFTER_SECONDS", 60))


def run_timeout() -> dt.timedelta:
    """After this long in "running" the worker is presumed dead and the run may be claimed again."""
    return dt.timedelta(seconds=getattr(settings, "STEWARD_AUTOMATION_RUN_TIMEOUT_SECONDS", 600))


# --- Validation (the catalog asks before saving an automated item) ----------------------------------------


def action_validate(*, action: str, fields: Mapping[str, Mapping[str, Any]], config: object) -> dict[str, Any]:
    """The normalised config of ``action`` for a form with ``fields`` (name -> field definition).

    Raises ValidationError keyed ``automation_action`` (unknown action, missing or unfit form field) or
    ``automation_config`` (config does not fit the action).
    """
    found = get_action(action)
    if found is None:
        from apps.automation.registry import action_list

        names = ", ".join(a.name for a in action_list())
        raise ValidationError({"automation_action": f'Unknown automation action "{action}" (known: {names}).'})
    for name, types in sorted(found.required_fields.items()):
        spec = fields.get(name)
        wanted = " or ".join(sorted(types))
        if spec is None or spec.get("type") not in types:
            raise ValidationError(
                {"automation_action": f'The action "{action}" needs a form field "{name}" of type {wanted}.'}
            )
        if not spec.get("required") or spec.get("show_if"):
            raise ValidationError(
                {"automation_action": f'The form field "{name}" must be required and always shown for "{action}".'}
            )
    try:
        return check_config(found, config)
    except ValidationError as exc:
        raise ValidationError({"automation_config": exc.messages}) from exc


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


# --- Execution ---------------------------------------------------------------------------------------------


def _claim(run_id: int) -> AutomationRun | None:
    now = timezone.now()
    claimable = Q(status=R.PENDING) | Q(status=R.RUNNING, started_at__lt=now - run_timeout())
    claimed = AutomationRun.objects.filter(claimable, pk=run_id).update(
        status=R.RUNNING, attempts=F("attempts") + 1, started_at=now, finished_at=None
    )
    return AutomationRun.objects.get(pk=run_id) if claimed == 1 else None


def run_execute(*, run_id: int) -> AutomationRun | None:
    """Claim and execute one run; the run as it ends up (None if it does not exist).

    Exits quietly when another delivery holds or finished the run. Raises RetryableError, after putting
    the run back to pending, when the action failed transiently and attempts remain.
    """
    run = _claim(run_id)
    if run is None:
        return AutomationRun.objects.filter(pk=run_id).first()
    action = get_action(run.action)
    subject = Subject(type=run.subject_type, id=run.subject_id, key=run.key)
    try:
        if action is None:
            raise ActionError(f'Unknown automation action "{run.action}".')
        result = action.run(params=run.params, subject=subject, config=run.config)
    except RetryableError as exc:
        if run.attempts < MAX_ATTEMPTS:
            _release(run, error=str(exc))
            raise
        return _finish(run, status=R.FAILED, error=f"Gave up after {run.attempts} attempts: {exc}")
    except ActionError as exc:
        return _finish(run, status=R.FAILED, error=str(exc))
    except Exception as exc:  # a bug in an action fails the run visibly instead of leaving it running
        logger.exception("Automation run %s crashed", run.pk)
        return _finish(run, status=R.FAILED, error=f"Unexpected error ({type(exc).__name__}): {exc}")
    return _finish(run, status=R.SUCCEEDED, output=_jsonable(result.output))


def _release(run: AutomationRun, *, error: str) -> None:
    """Back to pending until the task's retry; the sweep waits past the longest backoff before resending."""
    backoff = dt.timedelta(seconds=min(BACKOFF_MAX_SECONDS, 2 ** max(run.attempts - 1, 0)) + 1)
    AutomationRun.objects.filter(pk=run.pk, status=R.RUNNING, attempts=run.attempts).update(
        status=R.PENDING, error=error, available_at=timezone.now() + backoff
    )


def _finish(run: AutomationRun, *, status: str, output: dict[str, Any] | None = None, error: str = "") -> AutomationRun:
    with transaction.atomic():
        # Only the holder of this attempt may finish it: a run re-claimed after a timeout is not finished twice.
        finished = AutomationRun.objects.filter(pk=run.pk, status=R.RUNNING, attempts=run.attempts).update(
            status=status, output=output or {}, error=error, finished_at=timezone.now()
        )
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


# --- Sweep ---------------------------------------------------------------------------------------------------


def run_sweep(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Re-dispatch runs pending too long (lost messages) and reclaim runs whose worker died; how many were sent."""
    now = now or timezone.now()
    stale_ids = AutomationRun.objects.filter(status=R.RUNNING, started_at__lt=now - run_timeout()).values_list(
        "pk", "attempts"
    )
    for pk, attempts in list(stale_ids[:limit]):
        if attempts >= MAX_ATTEMPTS:
            _finish(AutomationRun(pk=pk, attempts=attempts), status=R.FAILED, error="The worker never finished it.")
        else:
            AutomationRun.objects.filter(pk=pk, status=R.RUNNING, attempts=attempts).update(
                status=R.PENDING, available_at=now - sweep_after()
            )
    sent = 0
    due = AutomationRun.objects.filter(status=R.PENDING, available_at__lte=now - sweep_after())
    for pk in list(due.order_by("available_at").values_list("pk", flat=True)[:limit]):
        # Pushed forward first, so a broker that stays down is not flooded by every sweep.
        if due.filter(pk=pk).update(available_at=now) == 1 and run_dispatch(run_id=pk):
            sent += 1
    return sent
