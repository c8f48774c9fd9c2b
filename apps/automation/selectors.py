"""Reads of automation runs: a subject's runs, the runs a user may see, and what each reader is shown of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When

from apps.accounts.models import User
from apps.automation.choices import RunStatus
from apps.automation.models import AutomationRun
from apps.automation.permissions import details_condition
from apps.automation.redaction import redact, redact_data
from apps.automation.registry import subject_handlers

# What people without access to the details read of a run that did not succeed (page, API, emails).
FAILED_MESSAGE = "The automatic step failed; the service desk has been told."
_MESSAGES = {
    RunStatus.PENDING: "Waiting to run.",
    RunStatus.RUNNING: "Running.",
    RunStatus.FAILED: FAILED_MESSAGE,
    RunStatus.NEEDS_ATTENTION: FAILED_MESSAGE,
}


def runs_for(subject_type: str, subject_id: str) -> QuerySet[AutomationRun]:
    """The subject's runs, newest first (callers have checked the subject is visible)."""
    return AutomationRun.objects.filter(subject_type=subject_type, subject_id=str(subject_id)).order_by("-sequence")


def run_queryset_for(user: User | AnonymousUser) -> QuerySet[AutomationRun]:
    """Runs whose subject ``user`` may see, each annotated ``details_visible`` (may ``user`` read its details).

    Subject types without a handler are shown to superusers only.
    """
    condition = details_condition(user)
    if condition is None:
        return AutomationRun.objects.annotate(details_visible=Value(True, output_field=BooleanField()))
    visible = Q(pk__in=[])
    for subject_type, handler in subject_handlers().items():
        if handler.visible_ids is not None:
            visible |= Q(subject_type=subject_type, subject_id__in=handler.visible_ids(user))
    details = Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())
    return AutomationRun.objects.filter(visible).annotate(details_visible=details)


def subject_key(subject: Any) -> tuple[str, str]:
    """``(subject_type, subject_id)`` of a model instance, as runs record it."""
    return subject._meta.label_lower, str(subject.pk)


def run_message(run: AutomationRun) -> str:
    """The human sentence anyone who sees the run may read: its summary when it succeeded, never an error."""
    if run.status == RunStatus.SUCCEEDED:
        return redact(str(run.output.get("summary") or "Done."))
    return _MESSAGES.get(RunStatus(run.status), "")


@dataclass(frozen=True)
class RunDetails:
    """A run's error and output as people allowed to see details read them: redacted."""

    error: str
    output: dict[str, Any]


def run_details(run: AutomationRun) -> RunDetails:
    # Stored details are scrubbed when written (services); redacting again covers rows written before that.
    return RunDetails(error=redact(run.error), output=redact_data(run.output))
