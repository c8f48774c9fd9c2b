"""Reads of changes: the scoped querysets, the timeline, conflicts and the change failure rate."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from apps.accounts.models import User
from apps.catalog.models import Service
from apps.changes.choices import FAILED_STATUSES, FINISHED_STATUSES, SCHEDULED_STATUSES, ChangeStatus
from apps.changes.models import Change, ChangeApproval, Environment, RiskPolicy, StandardChangeTemplate, Window
from apps.core.models import AuditEvent
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


def change_gate_queryset() -> QuerySet[Change]:
    """What the gate reads of a change: its own row and its services with their owner teams (who approves);
    nothing else is joined. Not scoped: permissions.get_change_for_gate checks visibility on the row."""
    services = Service.objects.select_related("owner_team__manager").order_by("name")
    return Change.objects.prefetch_related(Prefetch("services", queryset=services))


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


def deployed_without_go(user: User) -> QuerySet[Change]:
    """Changes deployed although their gate never said go: the list managers review."""
    return change_queryset_for(user).filter(deployed_without_go=True)


def active_policy() -> RiskPolicy | None:
    return RiskPolicy.objects.filter(is_active=True).prefetch_related("rules").first()


def environment_list() -> QuerySet[Environment]:
    return Environment.objects.order_by("position", "name")


def template_list() -> QuerySet[StandardChangeTemplate]:
    return StandardChangeTemplate.objects.filter(is_active=True).prefetch_related("services")


def window_list() -> QuerySet[Window]:
    return Window.objects.prefetch_related("services", "environments").order_by("-starts_at")


def status_counts(user: User) -> dict[str, int]:
    rows = change_queryset_for(user).order_by().values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows if row["status"] in ChangeStatus.values}
