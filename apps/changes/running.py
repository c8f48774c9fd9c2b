"""Changes in progress per environment, kept per process under a stamp the database gives, for the gate.

The gate asks on every poll whether another change on a shared service and the same environment is running
inside this change's window. Asked in SQL, that check is a three-way join whose plan PostgreSQL makes anew on
each call (most of the gate's database time). Changes in progress are few, so the gate reads them once per
environment and checks the overlap in Python; the stamp read with the change (``running_stamp_annotations``:
how many changes of its environment are in progress, and their latest ``updated_at``) tells when that list is
stale. Any change entering or leaving progress, or edited meanwhile, moves the stamp: every status move goes
through services.state.cas_update, which sets ``updated_at``.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from django.db.models import Count, IntegerField, Max, OuterRef, Subquery

from apps.changes.choices import ChangeStatus
from apps.changes.models import Change, format_number

Stamp = tuple[int, dt.datetime | None]


@dataclass(frozen=True)
class RunningChange:
    pk: int
    number: str
    title: str
    planned_start: dt.datetime
    planned_end: dt.datetime
    service_ids: frozenset[int]


_lock = threading.Lock()
_by_environment: dict[int, tuple[Stamp, list[RunningChange]]] = {}


def running_stamp_annotations() -> dict[str, Subquery]:
    """The stamp of the annotated change's environment, as two scalar subqueries (index on environment, status)."""
    running = Change.objects.filter(environment_id=OuterRef("environment_id"), status=ChangeStatus.IN_PROGRESS)
    grouped = running.order_by().values("environment_id")
    return {
        "running_count": Subquery(grouped.annotate(n=Count("pk")).values("n"), output_field=IntegerField()),
        "running_last": Subquery(grouped.annotate(last=Max("updated_at")).values("last")),
    }


def _read(environment_id: int) -> list[RunningChange]:
    changes = Change.objects.filter(environment_id=environment_id, status=ChangeStatus.IN_PROGRESS)
    links = Change.services.through.objects.filter(change__in=changes).values_list("change_id", "service_id")
    services: dict[int, set[int]] = {}
    for change_id, service_id in links:
        services.setdefault(change_id, set()).add(service_id)
    rows = changes.order_by("planned_start", "id").values_list("pk", "title", "planned_start", "planned_end")
    return [
        RunningChange(pk, format_number(pk), title, start, end, frozenset(services.get(pk, ())))
        for pk, title, start, end in rows
    ]


def running_in(environment_id: int, stamp: Stamp | None) -> list[RunningChange]:
    """The changes in progress in ``environment_id``; read again when ``stamp`` differs from the kept one (or
    is unknown: None)."""
    kept = _by_environment.get(environment_id)
    if stamp is not None and kept is not None and kept[0] == stamp:
        return kept[1]
    found = _read(environment_id)
    if stamp is not None:
        with _lock:
            _by_environment[environment_id] = (stamp, found)
    return found


def running_conflicts(change: Change) -> list[RunningChange]:
    """Other changes in progress on a shared service and the same environment, overlapping ``change``'s window.
    Uses the stamp read with the change (selectors.change_for_gate) when there is one; else reads afresh."""
    stamp: Stamp | None = None
    if hasattr(change, "running_count"):  # NULL when nothing runs there
        stamp = (getattr(change, "running_count", 0) or 0, getattr(change, "running_last", None))
    if stamp is not None and stamp[0] == 0:
        return []
    mine = {service.pk for service in change.services.all()}
    return [
        other
        for other in running_in(change.environment_id, stamp)
        if other.pk != change.pk
        and other.planned_start < change.planned_end
        and other.planned_end > change.planned_start
        and not mine.isdisjoint(other.service_ids)
    ]


def forget() -> None:
    """Drop what this process keeps (tests: a rolled-back database may give the next test the same stamp)."""
    with _lock:
        _by_environment.clear()
