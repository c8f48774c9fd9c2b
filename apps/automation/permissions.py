"""Who may see, read the details of, and retry a subject's runs: asked of the subject's handler.

Hidden -> 404, not allowed -> 403. Seeing a run (its status and a human message) follows the subject;
its details (error text, output) are for the people the handler names (for service requests: agents of
the fulfilling team) and superusers, and even they read them redacted (apps.automation.redaction).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.http import Http404

from apps.accounts.models import User
from apps.automation.registry import SubjectHandler, get_subject_handler, subject_handlers


def get_subject_for_user(user: User | AnonymousUser, subject_type: str, subject_id: str) -> tuple[SubjectHandler, Any]:
    """The handler and the subject if ``user`` may see it; Http404 otherwise (also for unknown types)."""
    handler = get_subject_handler(subject_type)
    if handler is None or handler.get_for_user is None:
        raise Http404("No such subject.")
    return handler, handler.get_for_user(user, subject_id)


def can_retry(user: User | AnonymousUser, handler: SubjectHandler, subject: Any) -> bool:
    return handler.can_retry is not None and handler.retry is not None and handler.can_retry(user, subject)


def can_see_details(user: User | AnonymousUser, handler: SubjectHandler | None, subject: Any) -> bool:
    """Whether ``user`` reads the (redacted) errors and outputs of the runs of ``subject``."""
    if user.is_superuser:
        return True
    return handler is not None and handler.can_see_details is not None and handler.can_see_details(user, subject)


def details_condition(user: User | AnonymousUser) -> Q | None:
    """``can_see_details`` for a whole list, as a filter on runs; None means every run (superusers)."""
    if user.is_superuser:
        return None
    condition = Q(pk__in=[])
    for subject_type, handler in subject_handlers().items():
        if handler.detail_ids is not None:
            condition |= Q(subject_type=subject_type, subject_id__in=handler.detail_ids(user))
    return condition
