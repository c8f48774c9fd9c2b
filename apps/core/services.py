"""Writes shared by every app: the audit trail."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import models

from apps.core.models import AuditEvent


def audit_target_key(obj: models.Model) -> tuple[str, str]:
    """The (type, id) pair under which events about ``obj`` are stored."""
    return obj._meta.label_lower, str(obj.pk)


def audit_record(
    *, target: models.Model, verb: str, actor: AbstractBaseUser | AnonymousUser | None = None, **data: Any
) -> AuditEvent:
    """Record that ``actor`` did ``verb`` to ``target``; ``actor`` None means the system."""
    target_type, target_id = audit_target_key(target)
    # Core imports no app: the actor is typed as Django's base user and stored when it is AUTH_USER_MODEL's.
    actor_obj = actor if isinstance(actor, get_user_model()) and actor.is_authenticated else None
    return AuditEvent.objects.create(
        target_type=target_type, target_id=target_id, actor=actor_obj, verb=verb, data=data
    )
