"""``{% automation_runs subject user %}``: the live panel of a subject's automation runs.

``{{ note|automation_note:show_details }}``: a timeline or email note as its reader may see it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django import template
from django.contrib.auth.models import AnonymousUser

from apps.accounts.models import User
from apps.automation.choices import ACTIVE_STATUSES, RETRYABLE_STATUSES, RunStatus
from apps.automation.models import AutomationRun
from apps.automation.permissions import can_retry, can_see_details
from apps.automation.redaction import redact
from apps.automation.registry import get_subject_handler
from apps.automation.selectors import FAILED_MESSAGE, RunDetails, run_details, run_message, runs_for, subject_key

register = template.Library()

# How a request's failed-run comment read before the details were kept off it: "Automation (http) failed: <error>".
_LEGACY_FAILURE = re.compile(r"^Automation \([\w-]+\) failed: ", re.DOTALL)


@dataclass(frozen=True)
class RunRow:
    """One run on the panel: everyone reads ``message``; ``details`` is None unless the reader may see them."""

    run: AutomationRun
    message: str
    details: RunDetails | None


def panel_context(subject: Any, user: User | AnonymousUser, *, polling: bool = False) -> dict[str, Any]:
    """What templates/automation/runs_panel.html needs (views render it the same way)."""
    subject_type, subject_id = subject_key(subject)
    runs = list(runs_for(subject_type, subject_id))
    handler = get_subject_handler(subject_type)
    details = can_see_details(user, handler, subject)
    last = runs[0] if runs else None
    retryable = bool(handler and last and last.status in RETRYABLE_STATUSES and can_retry(user, handler, subject))
    return {
        "rows": [RunRow(run, run_message(run), run_details(run) if details else None) for run in runs],
        "subject_type": subject_type,
        "subject_id": subject_id,
        "active": any(run.status in ACTIVE_STATUSES for run in runs),
        "can_retry": retryable,
        # The retry then asks for confirmation first (views.run_retry): the external call may have happened.
        "retry_needs_confirmation": retryable and last is not None and last.status == RunStatus.NEEDS_ATTENTION,
        "polling": polling,
    }


@register.inclusion_tag("automation/runs_panel.html", takes_context=True)
def automation_runs(context: template.Context, subject: Any, user: User | AnonymousUser) -> dict[str, Any]:
    # The retry form's {% csrf_token %} needs the page's token: an inclusion tag starts a fresh context.
    return {**panel_context(subject, user), "csrf_token": context.get("csrf_token")}


@register.filter
def automation_note(note: str, show_details: bool = False) -> str:
    """A note recorded before failed runs' errors were kept out of public comments, as its reader may see it:
    the human message, or for agents (``show_details``) the redacted text. Other notes pass unchanged."""
    if not note or not _LEGACY_FAILURE.match(note):
        return note
    return redact(note) if show_details else FAILED_MESSAGE
