"""Reads for the agent queue: which requests a user works on, one page of them, saved filters, canned replies."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Func, IntegerField, Q, QuerySet, Subquery, TextField

from apps.accounts.models import Team, TeamHoliday, User
from apps.accounts.selectors import team_ids_for
from apps.catalog.models import CatalogItem
from apps.core.businesstime import BusinessCalendar
from apps.core.precompiled import Precompiled
from apps.fulfillment.models import CannedReply, SavedFilter, ServiceRequest
from apps.fulfillment.selectors.sla import calendar_from_values

EXPORT_MAX_ROWS = 100_000
# What the queue's rows and permission checks read; fewer joins than the request lists (planning time counts).
QUEUE_RELATED = ("item__service", "team", "requester", "assignee")
# The columns one page of the queue shows (views.queue._rows_html), read as values: no model objects per row.
QUEUE_ROW_FIELDS = (
    "id", "version", "subject", "status", "priority", "due_at", "updated_at", "team_id", "assignee_id",
    "item__name", "requester__username", "requester__first_name", "requester__last_name", "assignee__username",
    "assignee__first_name", "assignee__last_name",
)  # fmt: skip
# The row's team calendar (the SLA column's business time), read with the row: no query of its own.
CALENDAR_FIELDS = ("team__timezone", "team__workday_start", "team__workday_end", "team__working_days")


def queue_teams_for(user: User | AnonymousUser) -> QuerySet[Team]:
    """Teams whose queue ``user`` sees: those they work in as an agent, and those they manage."""
    if not user.is_authenticated:
        return Team.objects.none()
    if user.is_superuser:
        return Team.objects.all()
    teams = Q(manager_id=user.pk)
    if user.has_perm("fulfillment.work_servicerequest"):
        teams |= Q(memberships__user_id=user.pk)
    return Team.objects.filter(teams)


def can_see_queue(user: User | AnonymousUser) -> bool:
    """Agents, superusers and team managers have a queue (one query at most)."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or user.has_perm("fulfillment.work_servicerequest"):
        return True
    return Team.objects.filter(manager_id=user.pk).exists()


def queue_team_ids(user: User | AnonymousUser) -> frozenset[int]:
    """Ids of the teams in ``user``'s queue: those they manage and, for agents, those they belong to.

    One query for both (accounts.selectors.team_ids_for), which permission checks later in the request reuse.
    """
    ids = team_ids_for(user)
    if not user.has_perm("fulfillment.work_servicerequest"):
        return ids.managed
    return ids.managed | ids.member


def queue_queryset_for(user: User | AnonymousUser) -> QuerySet[ServiceRequest]:
    """The requests of the teams ``user`` works in (agents) or manages (managers), ready for the queue's columns.

    The team ids are read first and inlined: at a million rows PostgreSQL plans a literal IN list in a third of
    the time of a subquery, and planning is most of this query's cost.
    """
    base = ServiceRequest.objects.select_related(*QUEUE_RELATED)
    if user.is_superuser:
        return base
    return base.filter(team_id__in=sorted(queue_team_ids(user)))


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue without counting the table: ``page_size + 1`` rows tell whether a next page exists.

    Rows are dicts of QUEUE_ROW_FIELDS."""

    object_list: list[dict[str, Any]]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


# Beyond this many matches the queue says "more than 1,000" instead of counting a million rows.
COUNT_CAP = 1000


class _CappedCount(Subquery):
    """``(SELECT COUNT(*) FROM (<at most COUNT_CAP + 1 ids>))``: the capped count as a column of the page's
    query. Uncorrelated, so the database runs it once per query (an init plan), not once per row."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) capped)"
    output_field = IntegerField()


class _TeamHolidays(Func):
    """The holidays of the row's team as "YYYY-MM-DD,..." (NULL when it has none): STRING_AGG on PostgreSQL,
    GROUP_CONCAT on SQLite (which stores dates as that text). Written as SQL: an ORM subquery compiled per page
    cost more Python than the database spent on it."""

    arity = 1
    output_field = TextField()
    template = (
        "(SELECT STRING_AGG(TO_CHAR(h.date, 'YYYY-MM-DD'), ',') FROM %(table)s h WHERE h.team_id = %(expressions)s)"
    )

    def __init__(self, team_id: str) -> None:
        super().__init__(team_id, table=TeamHoliday._meta.db_table)

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        template = "(SELECT GROUP_CONCAT(h.date, ',') FROM %(table)s h WHERE h.team_id = %(expressions)s)"
        return self.as_sql(compiler, connection, template=template, **extra_context)


def _capped_count(queryset: QuerySet[ServiceRequest]) -> _CappedCount:
    return _CappedCount(queryset.order_by().values("pk")[: COUNT_CAP + 1])


def queue_page(queryset: QuerySet[ServiceRequest], *, number: Any, page_size: int, max_page: int = 10_000) -> QueuePage:
    """Page ``number`` (clamped) of ``queryset`` in one query: rows of QUEUE_ROW_FIELDS (and ``is_overdue`` when
    annotated), each with its team's calendar (CALENDAR_FIELDS and ``team_holidays``, see _TeamHolidays) and
    ``match_count``, the capped count of the whole queryset (read by queue_count)."""
    try:
        page = min(max(int(number), 1), max_page)
    except (TypeError, ValueError):
        page = 1
    start = (page - 1) * page_size
    fields = [
        *QUEUE_ROW_FIELDS,
        *CALENDAR_FIELDS,
        *(["is_overdue"] if "is_overdue" in queryset.query.annotations else []),
    ]
    rows = queryset.values(*fields, team_holidays=_TeamHolidays("team_id"), match_count=_capped_count(queryset))
    found = list(rows[start : start + page_size + 1])
    return QueuePage(object_list=found[:page_size], number=page, has_next=len(found) > page_size)


@dataclass(frozen=True)
class QueueCount:
    """How many requests match: exact up to COUNT_CAP; ``capped`` when there are more (not counted further)."""

    value: int
    capped: bool


def queue_count(queryset: QuerySet[ServiceRequest], page: QueuePage) -> QueueCount:
    """The number of matches, cheap at a million rows: the first page without a next one is its own count; any
    other page's rows carry it (queue_page: a count over at most COUNT_CAP + 1 ids, where the database stops).
    Only a page past the end has no row to carry it and counts on its own."""
    if page.number == 1 and not page.has_next:
        return QueueCount(len(page.object_list), capped=False)
    if page.object_list:
        found = page.object_list[0]["match_count"]
    else:
        found = queryset.order_by().values("pk")[: COUNT_CAP + 1].count()
    return QueueCount(min(found, COUNT_CAP), capped=found > COUNT_CAP)


def row_calendars(rows: list[dict[str, Any]]) -> dict[int, BusinessCalendar]:
    """The business calendar of each team of queue_page's ``rows``, built once per team from the columns its
    rows carry (no query): the queue's SLA column counts time left in the team's business hours."""
    calendars: dict[int, BusinessCalendar] = {}
    for row in rows:
        if row["team_id"] in calendars:
            continue
        holidays = [dt.date.fromisoformat(day) for day in (row["team_holidays"] or "").split(",") if day]
        calendars[row["team_id"]] = calendar_from_values(
            row["team__timezone"],
            row["team__workday_start"],
            row["team__workday_end"],
            row["team__working_days"],
            holidays,
        )
    return calendars


def _saved_filters_build(key: None, *, user_id: int) -> QuerySet[SavedFilter]:
    return SavedFilter.objects.filter(user_id=user_id).only("pk", "name", "query", "user_id")


_SAVED_FILTERS = Precompiled(_saved_filters_build)


def saved_filters_for(user: User) -> list[SavedFilter]:
    return list(_SAVED_FILTERS(None, user_id=user.pk))


def _item_choices_build(is_superuser: bool, *, user_id: int) -> QuerySet[Any]:
    viewer = User(pk=user_id, is_superuser=is_superuser)
    return CatalogItem.objects.visible_to(viewer).order_by("name").values_list("slug", "name")


_ITEM_CHOICES = Precompiled(_item_choices_build)


def queue_item_choices(user: User) -> list[tuple[str, str]]:
    """(slug, name) of the catalog items ``user`` may see, by name: the queue's item filter's options, the same
    items as the filter's queryset (apps.fulfillment.filters, which validates the choice) without compiling it.
    CatalogItem.visible_to reads of the user only the id and whether they are a superuser (the key)."""
    return list(_ITEM_CHOICES(user.is_superuser, user_id=user.pk))


def _canned_replies_build(key: None, *, team_id: int) -> QuerySet[CannedReply]:
    return CannedReply.objects.filter(team_id=team_id).only("pk", "title", "body").order_by("title")


_CANNED_REPLIES = Precompiled(_canned_replies_build)


def canned_replies_for(sr: ServiceRequest) -> list[CannedReply]:
    """The request team's canned replies, by title; only for that team's agents (the caller checks is_agent_of,
    the same rule as internal notes)."""
    return list(_CANNED_REPLIES(None, team_id=sr.team_id))


def export_rows(queryset: QuerySet[ServiceRequest]) -> Any:
    """At most EXPORT_MAX_ROWS requests, streamed from the database in chunks."""
    return queryset[:EXPORT_MAX_ROWS].iterator(chunk_size=2000)
