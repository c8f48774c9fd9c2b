"""Writes shared by every app: the audit trail."""

from typing import Any

from django.db import models

from apps.core.models import AuditEvent


def audit_target_key(obj: models.Model) -> tuple[str, str]:
    """The (type, id) pair under which events about ``obj`` are stored."""
    return obj._meta.label_lower, str(obj.pk)


def audit_record(*, target: models.Model, verb: str, actor: Any = None, **data: Any) -> AuditEvent:
    """Record that ``actor`` did ``verb`` to ``target``; ``actor`` None means the system."""
    target_type, target_id = audit_target_key(target)
    actor_obj = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        target_type=target_type, target_id=target_id, actor=actor_obj, verb=verb, data=data
    )
