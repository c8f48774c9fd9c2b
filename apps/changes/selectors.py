"""Reads of changes: the scoped querysets, the timeline, conflicts and the change failure rate."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import Aggregate, Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from apps.accounts.authentication import token_is_valid
from apps.accounts.models import User
from apps.catalog.models import Service
from apps.changes import conf
from apps.changes.choices import FAILED_STATUSES, FINISHED_STATUSES, SCHEDULED_STATUSES
from apps.changes.models import Change, ChangeApproval, Environment, RiskPolicy, StandardChangeTemplate, Window
from apps.changes.running import running_stamp_annotations
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


class _Joined(Aggregate):
    """The grouped texts joined with commas: STRING_AGG on PostgreSQL, GROUP_CONCAT on SQLite."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, ',')"
    output_field = TextField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra_context)


def _service_teams() -> Subquery:
    """``"service_id:owner_team_id,..."`` of the annotated change: what visibility and freezes need of its
    services, without a query of its own."""
    pair = Concat(
        Cast("service_id", TextField()),
        Value(":"),
        Cast("service__owner_team_id", TextField()),
        output_field=TextField(),
    )
    links = Change.services.through.objects.filter(change_id=OuterRef("pk")).order_by().values("change_id")
    joined = links.annotate(pairs=_Joined(pair)).values("pairs")  # type: ignore[misc]  # django-stubs: annotation
    return Subquery(joined, output_field=TextField())


def _gate_row_build(key: None, *, pk: int, token_id: int | None) -> QuerySet[Change]:
    """The change with what the gate needs beside its row, each a cheap subquery: did policy approve its current
    round, its services' ids and owner teams, the windows' stamp and its environment's running-changes stamp
    (apps.changes.running), and, for a remembered token, whether it is still valid (token_valid). No join over
    other changes: PostgreSQL would plan it anew on every poll."""
    by_policy = ChangeApproval.objects.filter(change_id=OuterRef("pk"), kind="policy", round=OuterRef("approval_round"))
    token = {} if token_id is None else {"token_valid": token_is_valid(token_id)}
    return (
        Change.objects.filter(pk=pk)
        .order_by()
        .annotate(
            approved_by_policy=Exists(by_policy),
            service_teams=_service_teams(),
            **window_stamp_annotations(),
            **running_stamp_annotations(),
            **token,
        )
    )


def _gate_services_build(key: None, *, change_id: int) -> QuerySet[Service]:
    return Service.objects.filter(changes__id=change_id).select_related("owner_team__manager").order_by("name")


# Polled by every waiting pipeline: both reads are compiled once per process (apps.core.precompiled).
_GATE_ROW = Precompiled(_gate_row_build, inline_constants=True)
_GATE_SERVICES = Precompiled(_gate_services_build)


def change_for_gate(pk: int, *, token_id: int | None = None) -> Change | None:
    """What the gate reads of a change, in one query and no SQL compiling: its row, annotated (see
    _gate_row_build; ``token_id``: also check that API token, remembered by the caller without a query of its
    own). Its services are there for ``change.services.all()`` as bare rows (id and owner team only): enough for
    visibility and freezes; gate_services reads them whole where names are shown. Not scoped:
    permissions.get_change_for_gate checks visibility."""
    change = next(iter(_GATE_ROW(None, pk=pk, token_id=token_id)), None)
    if change is not None:
        joined: str | None = getattr(change, "service_teams", None)  # an annotation: NULL without services
        pairs = (pair.split(":") for pair in (joined or "").split(",") if pair)
        remember_services(change, [Service(pk=int(sid), owner_team_id=int(tid)) for sid, tid in pairs])
    return change


def gate_services(change: Change) -> None:
    """Replace the bare services of change_for_gate by whole ones (owner team and manager: the approvers' names
    in a waiting answer), in one precompiled query."""
    remember_services(change, list(_GATE_SERVICES(None, change_id=change.pk)))


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
    """The 30-day history of a set of services that scoring reads: changes opened on them (``exclude_id``, the
    change scored, not counted; None when it is not saved yet) and their highest change failure rate.

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
    with_this_one = ServiceHistory(counted + 1, history.failure_rate_30d)  # the change scored, saved or about to be
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
    return RiskPolicy.objects.filter(is_active=True).annotate(**window_stamp_annotations())


_ACTIVE_POLICY = Precompiled(_active_policy_build)  # read by every score: compiled once


def active_policy() -> RiskPolicy | None:
    """The active version, its rules not read: scoring keeps an activated version's spec per process
    (services.scoring.sealed_policy_spec); ``policy.rules.all()`` reads them where needed.

    It carries the windows' stamp (``windows_count``, ``windows_last``) that scoring gives to
    windows.window_specs, which then needs no query of its own.
    """
    return next(iter(_ACTIVE_POLICY(None)), None)


def environment_list() -> QuerySet[Environment]:
    return Environment.objects.order_by("position", "name")


def _services_by_slug_build(superuser: bool, **slugs: Any) -> QuerySet[Service]:
    # Service.objects.visible_to reads only whether the user is a superuser: a stand-in with that flag gives the
    # same SQL (a rule that read more of the user would show as an id in the SQL, which Precompiled refuses).
    viewer = User(is_superuser=superuser)
    services = Service.objects.visible_to(viewer).select_related("owner_team__manager")
    return services.filter(slug__in=[slugs[name] for name in sorted(slugs)])


def _environment_by_slug_build(key: None, *, slug: Any) -> QuerySet[Environment]:
    return Environment.objects.filter(slug=slug).order_by()


# Read by every change opened (a pipeline's POST): compiled once per shape (apps.core.precompiled).
_SERVICES_BY_SLUG = Precompiled(_services_by_slug_build)
_ENVIRONMENT_BY_SLUG = Precompiled(_environment_by_slug_build)


def services_by_slug(user: User | AnonymousUser, slugs: list[str]) -> dict[str, Service]:
    """The services among ``slugs`` that ``user`` may name, by slug, with their owner teams and managers."""
    if not user.is_authenticated or not slugs:
        return {}
    found = _SERVICES_BY_SLUG(user.is_superuser, **{f"s{i:02}": slug for i, slug in enumerate(slugs)})
    return {service.slug: service for service in found}


def environment_by_slug(slug: str) -> Environment | None:
    return next(iter(_ENVIRONMENT_BY_SLUG(None, slug=slug)), None)


def template_list() -> QuerySet[StandardChangeTemplate]:
    return StandardChangeTemplate.objects.filter(is_active=True).prefetch_related("services")


def window_list() -> QuerySet[Window]:
    return Window.objects.prefetch_related("services", "environments").order_by("-starts_at")
