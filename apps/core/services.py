"""Writes shared by every app: the audit trail, and new rows written with it."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.sql import InsertQuery
from django.db.models.sql.compiler import SQLInsertCompiler

from apps.core.models import AuditEvent


@dataclass
class _Batch:
    events: list[tuple[AuditEvent, models.Model]] = field(default_factory=list)  # with their targets
    rows: list[models.Model] = field(default_factory=list)  # other new rows, written with the events


# What is recorded inside audit_batch(), written together when it ends; None outside one.
_BATCH: ContextVar[_Batch | None] = ContextVar("audit_batch", default=None)


def audit_target_key(obj: models.Model) -> tuple[str, str]:
    """The (type, id) pair under which events about ``obj`` are stored."""
    return obj._meta.label_lower, str(obj.pk)


def audit_record(
    *, target: models.Model, verb: str, actor: AbstractBaseUser | AnonymousUser | None = None, **data: Any
) -> AuditEvent:
    """Record that ``actor`` did ``verb`` to ``target``; ``actor`` None means the system.

    Inside audit_batch() ``target`` may be a row not inserted yet: the event takes its id when the batch is written.
    """
    target_type, target_id = audit_target_key(target)
    # Core imports no app: the actor is typed as Django's base user and stored when it is AUTH_USER_MODEL's.
    actor_obj = actor if isinstance(actor, get_user_model()) and actor.is_authenticated else None
    event = AuditEvent(target_type=target_type, target_id=target_id, actor=actor_obj, verb=verb, data=data)
    batch = _BATCH.get()
    if batch is None:
        if target.pk is None:
            raise ValueError(f"An event about an unsaved {target_type} is recorded inside audit_batch() only.")
        event.save(force_insert=True)
    else:
        batch.events.append((event, target))
    return event


def insert_with_events(row: models.Model) -> None:
    """Insert the new ``row`` with the events of the current audit_batch() (its pk then stays unknown: for rows
    nobody reads back in the same request), or at once outside one."""
    batch = _BATCH.get()
    if batch is None:
        row.save(force_insert=True)
    else:
        batch.rows.append(row)


@contextmanager
def audit_batch() -> Iterator[None]:
    """Write the events recorded inside the block, and the rows given to insert_with_events, when it ends: in one
    statement on PostgreSQL, one per table elsewhere; the events in the order recorded.

    For a hot write path that records several events (a pipeline's change: created, assessed, scored, approved),
    used inside the caller's transaction. The events may get no pk (insert_rows); if the block raises,
    they are dropped with the transaction they belonged to. A target saved only later in the block (a row
    written once, after the events about it were recorded) gives its id to the events when the block ends.
    """
    if _BATCH.get() is not None:  # already batching: the outer block writes
        yield
        return
    batch = _Batch()
    token = _BATCH.set(batch)
    try:
        yield
    finally:
        _BATCH.reset(token)
    for event, target in batch.events:
        if target.pk is None:
            raise ValueError(f"An event about {event.target_type} was recorded, but the row was never saved.")
        event.target_id = str(target.pk)
    insert_rows([*batch.rows, *(event for event, _ in batch.events)])


def insert_rows(rows: list[models.Model], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Insert new rows of any models, in their order: one statement on PostgreSQL (each table's INSERT a
    data-modifying CTE of the next), one bulk_create per table elsewhere. As bulk_create: no signals, and here
    the rows' pks stay unknown."""
    tables: dict[type[models.Model], list[models.Model]] = {}
    for row in rows:
        tables.setdefault(type(row), []).append(row)
    connection = connections[using]
    if connection.vendor != "postgresql":
        for model, objs in tables.items():
            model._default_manager.using(using).bulk_create(objs)
        return
    if not tables:
        return
    statements: list[str] = []
    params: list[Any] = []
    for model, objs in tables.items():
        for obj in objs:
            # As bulk_create does: a foreign key to a row saved since it was assigned takes that row's id.
            obj._prepare_related_fields_for_save(operation_name="bulk_create")  # type: ignore[attr-defined]
        fields = [f for f in model._meta.concrete_fields if not f.generated and f is not model._meta.auto_field]
        query = InsertQuery(model)
        query.insert_values(fields, objs)
        # The generic compiler writes VALUES rows; PostgreSQL's would send each column as an array (UNNEST), which
        # costs more to encode than it saves on a few rows.
        [(sql, values)] = SQLInsertCompiler(query, connection, using).as_sql()
        statements.append(sql)
        params.extend(values)
    *first, last = statements
    ctes = ", ".join(f"inserted_{i} AS ({statement})" for i, statement in enumerate(first))
    sql = f"WITH {ctes} {last}" if ctes else last
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    for objs in tables.values():
        for obj in objs:
            obj._state.adding = False
            obj._state.db = using
