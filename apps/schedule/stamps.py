"""The calendar's stamp: what moves whenever a change or a window is written, read in one query of index lookups.

Feeds hash it into their ETag; the events endpoint keys what every viewer of a range shares (service links and
conflicts) on it. A mark kept in the cache covers what no ``updated_at`` shows: signals renew it when a change is
deleted or its services are edited directly.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.core.cache import cache
from django.db.models import DateTimeField, F, Func, IntegerField, QuerySet, Subquery
from django.utils import timezone

from apps.changes.models import Change, Window

MARK_KEY = "schedule:mark"


def renew_mark() -> None:
    """Something no ``updated_at`` shows happened (a change deleted, a change's services edited directly)."""
    cache.set(MARK_KEY, secrets.token_hex(8), None)


def mark() -> str:
    """The current mark; a fresh random one when the cache lost it, so that no earlier ETag can come back."""
    current: str | None = cache.get(MARK_KEY)
    if current is None:
        current = secrets.token_hex(8)
        if not cache.add(MARK_KEY, current, None):
            current = cache.get(MARK_KEY) or current
    return current


RECENT = dt.timedelta(minutes=2)  # longer than any transaction that writes a change


def _total(function: str, field: str, output: Any) -> Func:
    return Func(F(field), function=function, output_field=output)  # a whole-table aggregate: no GROUP BY


def _scalar(queryset: QuerySet[Any], function: str, field: str, output: Any) -> Subquery:
    return Subquery(queryset.order_by().annotate(v=_total(function, field, output)).values("v"))


def calendar_stamp(*, now: dt.datetime | None = None) -> tuple[Any, ...]:
    """What changes whenever a change or a window is written, in one query of index lookups, whatever the number of
    changes: the latest ``updated_at`` of changes and windows, the windows' count, and the count and sum of versions
    of the changes written in the last RECENT. The latter catch a write that commits after a later one (its
    ``updated_at`` is then below the maximum already seen): every write of a change bumps its version."""
    since = (now or timezone.now()) - RECENT
    recent = Change.objects.filter(updated_at__gte=since)
    row = (
        Window.objects.order_by()
        .annotate(
            windows_n=_total("COUNT", "pk", IntegerField()),
            windows_last=_total("MAX", "updated_at", DateTimeField()),
            changes_last=_scalar(Change.objects.all(), "MAX", "updated_at", DateTimeField()),
            recent_n=_scalar(recent, "COUNT", "pk", IntegerField()),
            recent_v=_scalar(recent, "SUM", "version", IntegerField()),
        )
        .values_list("changes_last", "recent_n", "recent_v", "windows_n", "windows_last")
    )
    return tuple(next(iter(row)))
