"""Querysets compiled to SQL once per process, for the hottest reads of a page.

Building a big queryset (select_related, annotations, subqueries) and compiling it cost the request page more
than the database did. A ``Precompiled`` read builds its queryset once per shape with placeholder ids, keeps the
SQL and the compiler's column map, and on each use binds the real ids into the parameters: the same SQL, the same
model instances (select_related, prefetch_related and converters work as usual), none of the compile work.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.sql.compiler import SQLCompiler
from django.db.models.sql.query import Query

M = TypeVar("M", bound=Model)

# Placeholder ids: negative (no row has them) and inside PostgreSQL's integer range. Each use replaces exactly the
# parameters equal to a placeholder (or to its text, for ids stored as strings such as an audit event's target).
_FIRST_PLACEHOLDER = -2_000_000_000


class PrecompileError(RuntimeError):
    """The build function's SQL cannot be reused: it ran a query or wrote an id into the SQL text."""


class _BoundQuery(Query):
    """A compiled query with one use's parameters; refining it would be silently ignored, so it refuses."""

    bound: tuple[SQLCompiler, str, str, tuple[Any, ...]]  # compiler, database alias, SQL, parameters

    def chain(self, klass: type[Query] | None = None) -> Query:
        raise TypeError("A precompiled queryset cannot be refined: put the filter in its build function.")

    def get_compiler(self, using: str | None = None, connection: Any = None, elide_empty: bool = True) -> SQLCompiler:
        template, alias, sql, params = self.bound
        compiler = _shallow_copy(template)  # select, klass_info, annotation_col_map: read by the model iterables
        compiler.connection = connections[alias]  # this thread's connection
        compiler.as_sql = lambda *args, **kwargs: (sql, params)  # type: ignore[method-assign]  # the frozen SQL
        compiler.get_converters = _converters_of(template, compiler.connection)  # type: ignore[method-assign,assignment]
        return compiler


def _converters_of(template: SQLCompiler, connection: Any) -> Callable[[Any], dict[int, Any]]:
    """The template's column converters for ``connection``, worked out once (per column and field, that is most
    of the Python time of a one-row read) and kept on the template beside the connection they were made for."""
    kept: dict[int, tuple[Any, dict[int, Any]]] = template.__dict__.setdefault("_precompiled_converters", {})

    def get_converters(expressions: Any) -> dict[int, Any]:
        found = kept.get(id(connection))
        if found is None or found[0] is not connection:
            found = (connection, type(template).get_converters(_with_connection(template, connection), expressions))
            kept[id(connection)] = found
        return found[1]

    return get_converters


def _with_connection(template: SQLCompiler, connection: Any) -> SQLCompiler:
    compiler = _shallow_copy(template)
    compiler.connection = connection
    return compiler


@dataclass(frozen=True)
class _Compiled:
    queryset: QuerySet[Any]
    compiler: SQLCompiler
    sql: str
    params: tuple[Any, ...]
    placeholders: dict[str, int]


@contextmanager
def _no_queries() -> Iterator[None]:
    def refuse(*args: Any) -> None:
        raise PrecompileError("A precompiled build function must not run queries (their results would be frozen).")

    with ExitStack() as stack:
        for connection in connections.all():
            stack.enter_context(connection.execute_wrapper(refuse))
        yield


class Precompiled(Generic[M]):
    """``build(key, **ids)`` compiled once per ``key`` (what changes the SQL's shape: flags, permission sets)
    and per set of ids given as None; each call binds the real ``ids`` into that SQL.

    ``build`` must reach every id only through the ``ids`` it is given, as a whole parameter (a filter on it, a
    model instance's pk, its text as an audit event's target), read nothing else that varies between calls, and
    run no query: ids written into the SQL text or queries run while building raise PrecompileError. A text key
    (an API token's digest) works as an id on a text column: the build compares the column to the placeholder,
    which the database adapter sends as its text.

    ``inline_constants`` (PostgreSQL only) writes the build's own constants (statuses, kinds: texts, numbers,
    booleans) into the SQL text and leaves only the ids as parameters. A prepared statement whose parameters
    include a skewed constant (``status = 'in_progress'``: a few rows of 100,000) keeps being planned anew on
    each run, because its generic plan, which cannot see the constant, looks dearer; with only ids left, PostgreSQL
    settles on the generic plan after five runs and stops planning. For the hottest single-row reads.
    """

    def __init__(self, build: Callable[..., QuerySet[M]], *, inline_constants: bool = False) -> None:
        self._build = build
        self._inline_constants = inline_constants
        self._compiled: dict[Hashable, _Compiled] = {}
        self._lock = threading.Lock()

    def __call__(self, key: Hashable, **ids: int | str | None) -> QuerySet[M]:
        cache_key = (key, tuple(sorted((name, value is None) for name, value in ids.items())))
        compiled = self._compiled.get(cache_key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(cache_key) or self._compile(key, ids)
                self._compiled[cache_key] = compiled
        values: dict[Any, Any] = {}
        for name, placeholder in compiled.placeholders.items():
            values[placeholder] = ids[name]
            values[str(placeholder)] = str(ids[name])
        params = tuple(
            values.get(p, p) if isinstance(p, int | str) and not isinstance(p, bool) else p for p in compiled.params
        )
        return _bind(compiled, params)

    def _compile(self, key: Hashable, ids: dict[str, int | str | None]) -> _Compiled:
        placeholders = {name: _FIRST_PLACEHOLDER - i for i, name in enumerate(sorted(ids)) if ids[name] is not None}
        arguments = {name: placeholders.get(name) for name in ids}
        with _no_queries():
            queryset = self._build(key, **arguments)
            compiler = queryset.query.get_compiler(using=queryset.db)
            try:
                sql, params = compiler.as_sql()
            except EmptyResultSet:  # matches nothing (e.g. an empty IN list): no SQL, which execute_sql answers
                sql, params = "", ()  # with no rows
        for placeholder in placeholders.values():
            if str(placeholder) in sql:
                raise PrecompileError(f"An id was written into the SQL text: {sql}")
        if self._inline_constants and connections[queryset.db].vendor == "postgresql":
            sql, params = _inline(sql, tuple(params), frozenset(placeholders.values()))
        return _Compiled(queryset, compiler, sql, tuple(params), placeholders)


_PARAMETER = re.compile(r"%%|%s")


def _literal(value: Any) -> str | None:
    """``value`` as PostgreSQL literal SQL (``%`` doubled for the adapter's formatting), or None to keep it a
    parameter. Only the build's constants reach here, never what a caller gives."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, str):
        text = str.__str__(value)  # a TextChoices member's own text
        if "\x00" in text:
            return None
        return "'" + text.replace("'", "''").replace("%", "%%") + "'"  # standard_conforming_strings: on
    return None


def _inline(sql: str, params: tuple[Any, ...], placeholders: frozenset[int]) -> tuple[str, tuple[Any, ...]]:
    kept: list[Any] = []
    remaining = iter(params)
    texts = {str(placeholder) for placeholder in placeholders}  # an id compared with a text column

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "%%":
            return "%%"
        value = next(remaining)
        is_id = (
            isinstance(value, int | str) and not isinstance(value, bool) and (value in placeholders or value in texts)
        )
        literal = None if is_id else _literal(value)
        if literal is None:
            kept.append(value)
            return "%s"
        return literal

    return _PARAMETER.sub(replace, sql), tuple(kept)


T = TypeVar("T")


def _shallow_copy(obj: T) -> T:
    """``obj``'s attributes in a new object, without the pickling protocol: copy.copy of a QuerySet would
    evaluate it (QuerySet.__getstate__)."""
    clone = object.__new__(type(obj))
    clone.__dict__ = obj.__dict__.copy()
    return clone


def _bind(compiled: _Compiled, params: tuple[Any, ...]) -> QuerySet[Any]:
    query = object.__new__(_BoundQuery)
    query.__dict__ = compiled.queryset.query.__dict__.copy()  # the compiled query's parts are only read
    query.bound = (compiled.compiler, compiled.queryset.db, compiled.sql, params)
    queryset = _shallow_copy(compiled.queryset)  # never evaluated itself: no result cache to share
    # Not the ``query`` setter: it would turn a values_list() queryset's rows into dicts.
    queryset.__dict__["_query"] = query
    return queryset
