"""The calendar's stamp: what moves whenever a change or a window is written, read in one query of index lookups.

Feeds hash it into their ETag; the events endpoint keys what every viewer of a range shares (service links and
conflicts) on it. A mark kept in the database (models.CalendarMark) covers what no ``updated_at`` shows: signals
move it when a change is deleted or its services are edited directly.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any, NamedTuple

from django.db import connections, router
from django.db.models import F, Model
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.accounts.models import User
from apps.changes.models import Change, Window
from apps.schedule.models import CalendarMark, FeedToken

MARK_ID = 1  # the one CalendarMark row; created by the first move (the stamp reads a missing row as 0)


def renew_mark() -> None:
    """Something no ``updated_at`` shows happened (a change deleted, a change's services edited directly)."""
    if not CalendarMark.objects.filter(pk=MARK_ID).update(moves=F("moves") + 1):
        CalendarMark.objects.get_or_create(pk=MARK_ID, defaults={"moves": 1})  # the first move: no row to lose


RECENT = dt.timedelta(minutes=2)  # longer than any transaction that writes a change
# The recent span's upper bound: no row is above it. With both bounds given as parameters, PostgreSQL's generic plan
# of the prepared statement estimates a narrow range (an index scan) and sticks; with the lower bound alone, it
# estimates a third of the table, finds that dearer than the custom plan and plans the statement anew on every run.
_NO_LATER = dt.datetime.max.replace(tzinfo=dt.UTC)


def _column(model: type[Model], name: str) -> str:
    return str(model._meta.get_field(name).column)  # type: ignore[union-attr]  # a concrete field, not a relation


@functools.cache
def _stamp_sql(vendor: str, with_token: bool = False) -> str:
    """The stamp's one statement, written once: building and compiling it as a queryset cost more than running it.
    Names come from the models; the same SQL serves PostgreSQL and SQLite. ``with_token``: one more column, 1 while
    the feed token of the last parameter is live and its user active (a remembered token's check, see views)."""
    qn = connections[router.db_for_read(Change)].ops.quote_name
    changes, windows = qn(Change._meta.db_table), qn(Window._meta.db_table)
    updated, version = qn(_column(Change, "updated_at")), qn(_column(Change, "version"))
    window_updated = qn(_column(Window, "updated_at"))
    marks, moves = qn(CalendarMark._meta.db_table), qn(_column(CalendarMark, "moves"))
    mark_pk = qn(_column(CalendarMark, "id"))
    token = ""
    if with_token:
        tokens, users = qn(FeedToken._meta.db_table), qn(User._meta.db_table)
        owner, revoked = qn(_column(FeedToken, "user")), qn(_column(FeedToken, "revoked_at"))
        token_pk, user_pk = qn(_column(FeedToken, "id")), qn(_column(User, "id"))
        active = qn(_column(User, "is_active"))
        token = (  # names from the models and a %s mark only, no input
            f", (SELECT COUNT(*) FROM {tokens} JOIN {users} ON {users}.{user_pk} = {tokens}.{owner}"  # noqa: S608
            f" WHERE {tokens}.{token_pk} = %s AND {tokens}.{revoked} IS NULL AND {users}.{active})"
        )
    # The models' quoted table and column names and %s marks only, no input.
    return (
        f"SELECT (SELECT MAX({updated}) FROM {changes}), recent.n, recent.v, shown.n, shown.last,"  # noqa: S608
        f" COALESCE((SELECT {moves} FROM {marks} WHERE {mark_pk} = {MARK_ID:d}), 0){token}"
        f" FROM (SELECT COUNT(*) AS n, SUM({version}) AS v FROM {changes}"
        f" WHERE {updated} >= %s AND {updated} <= %s) AS recent,"
        f" (SELECT COUNT(*) AS n, MAX({window_updated}) AS last FROM {windows}) AS shown"
    )


def _moment(value: Any) -> dt.datetime | None:
    """A MAX() of a datetime column: a datetime from PostgreSQL, its stored text from SQLite (in UTC)."""
    if value is None or isinstance(value, dt.datetime):
        return value
    moment = parse_datetime(value)
    if moment is None:
        raise ValueError(f"Not a stored datetime: {value!r}")
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=dt.UTC)


class CalendarStamp(NamedTuple):
    changes_last: dt.datetime | None
    recent_n: int
    recent_v: int | None
    windows_n: int
    windows_last: dt.datetime | None
    mark: int


def calendar_stamp(*, now: dt.datetime | None = None) -> CalendarStamp:
    """What changes whenever a change or a window is written, in one query of index lookups, whatever the number of
    changes: the latest ``updated_at`` of changes, the count and sum of versions of the changes written in the last
    RECENT, the windows' count and latest ``updated_at``. The recent ones catch a write that commits after a later
    one (its ``updated_at`` is then below the maximum already seen): every write of a change bumps its version."""
    return _read_stamp(now, None)[0]


def calendar_stamp_checking(token_id: int, *, now: dt.datetime | None = None) -> tuple[CalendarStamp, bool]:
    """calendar_stamp, and whether feed token ``token_id`` is live with an active user, in the same query."""
    stamp, live = _read_stamp(now, token_id)
    return stamp, bool(live)


def _read_stamp(now: dt.datetime | None, token_id: int | None) -> tuple[CalendarStamp, Any]:
    since = (now or timezone.now()) - RECENT
    connection = connections[router.db_for_read(Change)]
    adapt = connection.ops.adapt_datetimefield_value
    params: list[Any] = [adapt(since), adapt(_NO_LATER)]
    if token_id is not None:
        params.insert(0, token_id)  # the token's subquery comes first in the SELECT list
    with connection.cursor() as cursor:
        cursor.execute(_stamp_sql(connection.vendor, token_id is not None), params)
        changes_last, recent_n, recent_v, windows_n, windows_last, mark, *live = cursor.fetchone()
    stamp = CalendarStamp(_moment(changes_last), recent_n, recent_v, windows_n, _moment(windows_last), mark)
    return stamp, live[0] if live else None
