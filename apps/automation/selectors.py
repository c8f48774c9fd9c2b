"""Reads of automation runs: a subject's runs, and the runs a user may see (through the subject handlers)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from apps.automation.models import AutomationRun
from apps.automation.registry import subject_handlers


def runs_for(subject_type: str, subject_id: str) -> QuerySet[AutomationRun]:
    """The subject's runs, newest first (callers have checked the subject is visible)."""
    return AutomationRun.objects.filter(subject_type=subject_type, subject_id=str(subject_id)).order_by("-sequence")


def run_queryset_for(user: Any) -> QuerySet[AutomationRun]:
    """Runs whose subject ``user`` may see; subject types without a handler are shown to superusers only."""
    if user.is_superuser:
        return AutomationRun.objects.all()
    visible = Q(pk__in=[])
    for subject_type, handler in subject_handlers().items():
        if handler.visible_ids is not None:
            visible |= Q(subject_type=subject_type, subject_id__in=handler.visible_ids(user))
    return AutomationRun.objects.filter(visible)


def subject_key(subject: Any) -> tuple[str, str]:
    """``(subject_type, subject_id)`` of a model instance, as runs record it."""
    return subject._meta.label_lower, str(subject.pk)
