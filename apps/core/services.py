"""Writes shared by every app: the audit trail."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import models

from apps.core.models import AuditEvent

# Events recorded inside audit_batch(), written together when it ends; None outside one.
_BATCH: ContextVar[list[AuditEvent] | None] = ContextVar("audit_batch", default=None)


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
    event = AuditEvent(target_type=target_type, target_id=target_id, actor=actor_obj, verb=verb, data=data)
    batch = _BATCH.get()
    if batch is None:
        event.save(force_insert=True)
    else:
        batch.append(event)
    return event


@contextmanager
def audit_batch() -> Iterator[None]:
    """Write the events recorded inside the block in one INSERT when it ends, in the order recorded.

    For a hot write path that records several events (a pipeline's change: created, assessed, scored, approved),
    used inside the caller's transaction. The events have no pk until the block ends; if the block raises,
    they are dropped with the transaction they belonged to.
    """
    if _BATCH.get() is not None:  # already batching: the outer block writes
        yield
        return
    events: list[AuditEvent] = []
    token = _BATCH.set(events)
    try:
        yield
    finally:
        _BATCH.reset(token)
    AuditEvent.objects.bulk_create(events)
