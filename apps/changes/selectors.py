"""Reads of changes: the scoped querysets, the timeline, conflicts and the change failure rate."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from apps.accounts.models import User
from apps.catalog.models import Service
from apps.changes import conf
from apps.changes.choices import FAILED_STATUSES, FINISHED_STATUSES, SCHEDULED_STATUSES, ChangeStatus
from apps.changes.models import Change, ChangeApproval, Environment, RiskPolicy, StandardChangeTemplate, Window
from apps.changes.windows import window_stamp_annotations
from apps.core.models import AuditEvent
from apps.core.precompiled import Precompiled
from apps.core.selectors import audit_events_for

FAILURE_RATE_DAYS = 30


def change_queryset_for(user: User | AnonymousUser) -> QuerySet[Change]:
    """The base of every list and lookup: the changes ``user`` may see."""
    return Change.objects.visible_to(user).select_related("environment", "requester")


def change_detail_queryset_for(user: User | AnonymousUser) -> QuerySet[Change]:
    """What the change page and the gate read, in a fixed number of queries."""
    services = Service.objects.select_related("owner_team__manager").order_by("name")
    return (
        change_queryset_for(user)
        .select_related("ci_actor", "template", "policy")
        .prefetch_related(Prefetch("services", queryset=services))
    )


def _gate_row_build(key: None, *, pk: int) -> QuerySet[Change]:
    """The change with two facts the gate needs beside its row: is another change on a shared service and the
    same environment in progress inside its window, and did policy approve its current round."""
    shared = Change.services.through.objects.filter(change_id=OuterRef(OuterRef("pk"))).values("service_id")
    running = Change.objects.filter(
        status=ChangeStatus.IN_PROGRESS,
        environment_id=OuterRef("environment_id"),
        planned_start__lt=OuterRef("planned_end"),
        planned_end__gt=OuterRef("planned_start"),
        services__in=shared,
    ).exclude(pk=OuterRef("pk"))
    by_policy = ChangeApproval.objects.filter(change_id=OuterRef("pk"), kind="policy", round=OuterRef("approval_round"))
    return Change.objects.filter(pk=pk).annotate(
        running_conflict=Exists(running), approved_by_policy=Exists(by_policy), **window_stamp_annotations()
    )


def _gate_services_build(key: None, *, change_id: int) -> QuerySet[Service]:
    return Service.objects.filter(changes__id=change_id).select_related("owner_team__manager").order_by("name")


# Polled by every waiting pipeline: both reads are compiled once per process (apps.core.precompiled).
_GATE_ROW = Precompiled(_gate_row_build)
_GATE_SERVICES = Precompiled(_gate_services_build)


def change_for_gate(pk: int) -> Change | None:
    """What the gate reads of a change, in two queries and no SQL compiling: its row (annotated with
    ``running_conflict``, ``approved_by_policy`` and the windows' stamp) and its services with their owner teams
    and managers, put where ``change.services.all()`` finds them. Not scoped: permissions.get_change_for_gate
    checks visibility."""
    change = next(iter(_GATE_ROW(None, pk=pk)), None)
    if change is not None:
        remember_services(change, list(_GATE_SERVICES(None, change_id=pk)))
    return change


def remember_services(change: Change, services: list[Service]) -> None:
    """Put ``services`` where ``change.services.all()`` finds them, as prefetch_related would: the services a
    change was just given, or read by a precompiled query, cost no further query. Writing the relation (add,
    set, remove) drops them again."""
    queryset = change.services.get_queryset()  # not evaluated: filled as prefetch_related fills it
    queryset._result_cache = sorted(services, key=lambda service: service.name)
    queryset._prefetch_done = True  # type: ignore[attr-defined]  # QuerySet's private flags, as prefetch sets them
    change._prefetched_objects_cache = {"services": queryset}  # type: ignore[attr-defined]


def change_timeline(change: Change) -> QuerySet[AuditEvent]:
    """Every recorded event of the change, oldest first."""
    return audit_events_for(change)


def change_approvals(change: Change, *, current_round: bool = True) -> QuerySet[ChangeApproval]:
    approvals = change.approvals.select_related("approver", "team")
    return approvals.filter(round=change.approval_round) if current_round else approvals


def conflicting_changes(change: Change, *, statuses: Iterable[str] = SCHEDULED_STATUSES) -> QuerySet[Change]:
    """Other changes on a shared service and the same environment whose windows overlap this one's."""
    return (
        Change.objects.filter(
            status__in=list(statuses),
            environment_id=change.environment_id,
            services__in=[service.pk for service in change.services.all()],
            planned_start__lt=change.planned_end,
            planned_end__gt=change.planned_start,
        )
        .exclude(pk=change.pk)
        .distinct()
        .order_by("planned_start", "id")
    )


def failure_rates(service_ids: Iterable[int], *, now: dt.datetime | None = None) -> dict[int, float]:
    """Per service, over FAILURE_RATE_DAYS: (failed + rolled back) / (completed + failed + rolled back)."""
    since = (now or timezone.now()) - dt.timedelta(days=FAILURE_RATE_DAYS)
    rows = (
        Change.services.through.objects.filter(
            service_id__in=list(service_ids), change__status__in=FINISHED_STATUSES, change__finished_at__gte=since
        )
        .values("service_id")
        .annotate(done=Count("change_id"), failed=Count("change_id", filter=Q(change__status__in=FAILED_STATUSES)))
    )
    return {row["service_id"]: row["failed"] / row["done"] for row in rows if row["done"]}


def recent_change_count(service_ids: Iterable[int], *, exclude_id: int | None, now: dt.datetime | None = None) -> int:
    """Changes opened on any of the services in the last 30 days, this one excluded."""
    since = (now or timezone.now()) - dt.timedelta(days=FAILURE_RATE_DAYS)
    changes = Change.objects.filter(services__in=list(service_ids), created_at__gte=since)
    if exclude_id is not None:
        changes = changes.exclude(pk=exclude_id)
    return changes.values("pk").distinct().count()


@dataclass(frozen=True)
class ServiceHistory:
    changes_30d: int
    failure_rate_30d: float


def _history_generation_keys(service_ids: list[int]) -> list[str]:
    return [f"changes:history-generation:{pk}" for pk in service_ids]


def service_history(service_ids: Iterable[int], *, exclude_id: int | None) -> ServiceHistory:
    """The 30-day history of a set of services that scoring reads: changes opened on them (``exclude_id`` not
    counted) and their highest change failure rate.

    Counting means reading every change of the last 30 days on those services: tens of milliseconds on a busy
    portal, for every change opened. So the answer is kept for conf.history_cache_seconds() per set of services
    and reused, the change that counted included; an outcome drops it (forget_service_history). A change opened
    within that time sees the count as it was a moment ago: a risk input, not a ledger.
    """
    ids = sorted(set(service_ids))
    keys = _history_generation_keys(ids)
    generations = cache.get_many(keys)
    stamp = ",".join(f"{pk}.{generations.get(key, 0)}" for pk, key in zip(ids, keys, strict=True))
    key = f"changes:history:{stamp}"
    cached: ServiceHistory | None = cache.get(key)
    if cached is not None:
        return cached
    counted = recent_change_count(ids, exclude_id=exclude_id)
    history = ServiceHistory(counted, max(failure_rates(ids).values(), default=0.0))
    with_this_one = ServiceHistory(counted + (exclude_id is not None), history.failure_rate_30d)
    cache.set(key, with_this_one, conf.history_cache_seconds())  # the next change counts this one
    return history


def forget_service_history(service_ids: Iterable[int]) -> None:
    """An outcome changed these services' failure rates: the next score counts their history again."""
    for key in _history_generation_keys(sorted(set(service_ids))):
        cache.add(key, 0, timeout=None)
        try:
            cache.incr(key)
        except ValueError:  # evicted between add and incr: starting again at 1 is as good
            cache.set(key, 1, timeout=None)


def _active_policy_build(key: None) -> QuerySet[RiskPolicy]:
    return RiskPolicy.objects.filter(is_active=True)


_ACTIVE_POLICY = Precompiled(_active_policy_build)  # read by every score: compiled once


def active_policy() -> RiskPolicy | None:
    """The active version, its rules not read: scoring keeps an activated version's spec per process
    (services.scoring.sealed_policy_spec); ``policy.rules.all()`` reads them where needed."""
    return next(iter(_ACTIVE_POLICY(None)), None)


def environment_list() -> QuerySet[Environment]:
    return Environment.objects.order_by("position", "name")


def template_list() -> QuerySet[StandardChangeTemplate]:
    return StandardChangeTemplate.objects.filter(is_active=True).prefetch_related("services")


def window_list() -> QuerySet[Window]:
    return Window.objects.prefetch_related("services", "environments").order_by("-starts_at")
