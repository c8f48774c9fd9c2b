"""``{% automation_runs subject user %}``: the live panel of a subject's automation runs."""

from __future__ import annotations

from typing import Any

from django import template

from apps.automation.choices import ACTIVE_STATUSES
from apps.automation.permissions import can_retry
from apps.automation.registry import get_subject_handler
from apps.automation.selectors import runs_for, subject_key

register = template.Library()


def panel_context(subject: Any, user: Any, *, polling: bool = False) -> dict[str, Any]:
    """What templates/automation/runs_panel.html needs (views render it the same way)."""
    subject_type, subject_id = subject_key(subject)
    runs = list(runs_for(subject_type, subject_id))
    handler = get_subject_handler(subject_type)
    last = runs[0] if runs else None
    return {
        "runs": runs,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "active": any(run.status in ACTIVE_STATUSES for run in runs),
        "can_retry": bool(handler and last and last.status == "failed" and can_retry(user, handler, subject)),
        "polling": polling,
    }


@register.inclusion_tag("automation/runs_panel.html", takes_context=True)
def automation_runs(context: template.Context, subject: Any, user: Any) -> dict[str, Any]:
    # The retry form's {% csrf_token %} needs the page's token: an inclusion tag starts a fresh context.
    return {**panel_context(subject, user), "csrf_token": context.get("csrf_token")}
