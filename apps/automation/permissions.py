"""Who may see and retry a subject's runs: asked of the subject's handler (hidden -> 404, not allowed -> 403)."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from apps.automation.registry import SubjectHandler, get_subject_handler


def get_subject_for_user(user: Any, subject_type: str, subject_id: str) -> tuple[SubjectHandler, Any]:
    """The handler and the subject if ``user`` may see it; Http404 otherwise (also for unknown types)."""
    handler = get_subject_handler(subject_type)
    if handler is None or handler.get_for_user is None:
        raise Http404("No such subject.")
    return handler, handler.get_for_user(user, subject_id)


def can_retry(user: Any, handler: SubjectHandler, subject: Any) -> bool:
    return handler.can_retry is not None and handler.retry is not None and handler.can_retry(user, subject)
