"""Ranked full-text search of articles: one interface, a PostgreSQL and a SQLite FTS5 backend.

Both rank title over summary over tags over body and answer the same shape (``Hit``: the article, its rank,
a snippet of the body with the matches in ``<mark>``). The caller passes the queryset of articles the reader
may see (already filtered); a backend only ever ranks and quotes rows of that queryset, so neither an
invisible article nor a snippet of one can come out.

PostgreSQL reads ``Article.search_vector`` (weighted A..D, GIN index from migration 0002); SQLite reads the
``knowledge_article_fts`` virtual table (same migration). ``index_article`` keeps either current and is
called by every service that writes an article's text (apps.knowledge.services); it also adds the title's words
to the vocabulary (``SearchWord``) that ``did_you_mean`` corrects typed words against.
"""

from __future__ import annotations

import difflib
import operator
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import Length
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from apps.knowledge.models import Article, SearchWord

FTS_TABLE = "knowledge_article_fts"
# Match markers no article text contains (Unicode private use): swapped for <mark> after escaping the rest.
START, STOP = "\ue000", "\ue001"
MAX_TERMS = 12
MAX_TERM_CHARS = 40
WORD = re.compile(r"\w+")
# bm25 weights of the FTS5 columns (title, summary, tags, body), in the order PostgreSQL's A..D rank them.
FTS_WEIGHTS = "10.0, 4.0, 2.0, 1.0"
SNIPPET_WORDS = 24
# Rows ranked per tier on PostgreSQL (see _ranked).
CANDIDATES = 200
# "Did you mean": the shortest word worth correcting (and kept in the vocabulary), how many words of a query are
# corrected, near words tried per word, the least pg_trgm similarity / difflib ratio of a near word, how many
# vocabulary words of about the same length SQLite compares at most, and the hits a correction is checked on.
MIN_WORD_CHARS = 3
CORRECTED_WORDS = 6
NEAR_WORDS = 3
TRIGRAM_THRESHOLD = 0.3
DIFFLIB_CUTOFF = 0.6
DIFFLIB_POOL = 20_000
CHECKED_HITS = 20


@dataclass(frozen=True)
class Hit:
    """One ranked result: higher ``rank`` is better on both backends."""

    article: Article
    rank: float
    snippet: SafeString


def terms(text: str) -> list[str]:
    """The words of a query, lower-cased and bounded: the only part of user input a backend sees."""
    return [word[:MAX_TERM_CHARS] for word in WORD.findall(text.lower())][:MAX_TERMS]


def title_words(title: str) -> set[str]:
    """The words of a title kept in the vocabulary: lower-cased, at least MIN_WORD_CHARS long, not numbers."""
    return {w[:MAX_TERM_CHARS] for w in WORD.findall(title.lower()) if len(w) >= MIN_WORD_CHARS and not w.isdigit()}


def highlight(raw: str) -> SafeString:
    """Escape a backend's snippet, then turn its markers into ``<mark>``."""
    return mark_safe(escape(raw).replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S308  # escaped above


def config() -> str:
    return str(getattr(settings, "STEWARD_KNOWLEDGE_SEARCH_CONFIG", "english"))


def search(
    articles: QuerySet[Article],
    text: str,
    *,
    limit: int = 20,
    offset: int = 0,
    any_word: bool = False,
    among: QuerySet[Any, Any] | None = None,
    snippets: bool = True,
) -> list[Hit]:
    """The articles of ``articles`` matching ``text``, best first, from the ``offset``-th; every word must match
    unless ``any_word`` (suggestions while typing: a long description should still find the article about one
    of its words). The last word matches as a prefix, so results follow what is being typed. Matches are never
    counted, and past CANDIDATES of them ranked among candidates only (``_ranked``). ``among`` (a subquery of
    article ids, e.g. a service's) narrows the rows ranked; the rows returned are read from ``articles`` by id
    without evaluating it again. Snippets are made for the rows returned only; ``snippets=False`` leaves them
    empty."""
    words = terms(text)
    if not words or limit <= 0:
        return []
    offset = max(offset, 0)
    scope = articles if among is None else articles.filter(pk__in=among)
    if connection.vendor == "postgresql":
        ranks = _ranks_postgres(scope, words, best=offset + limit, any_word=any_word)[offset:]
    else:
        ranks = _ranks_sqlite(scope, words, limit=limit, offset=offset, any_word=any_word)
    if not ranks:
        return []
    # Then read and quote the rows shown only: ranking whole rows with their joins made the sort carry kilobytes
    # per match, and quoting every candidate (a headline re-parses a body) cost more than ranking it. The rows
    # are read through ``articles`` again, so a row the reader may no longer see by now is left out.
    ids = [pk for pk, _ in ranks]
    if connection.vendor == "postgresql":
        rows, quotes = _rows_postgres(articles, ids, words, any_word=any_word, snippets=snippets)
    else:
        rows, quotes = _rows_sqlite(articles, ids, words, any_word=any_word, snippets=snippets)
    return [
        Hit(article=rows[pk], rank=float(rank), snippet=highlight(quotes.get(pk, "")))
        for pk, rank in ranks
        if pk in rows
    ]


def _tsquery(words: list[str], cfg: str, *, any_word: bool, weights: str = "") -> SearchQuery:
    """Every word (or any, with ``any_word``), the last as a prefix; ``weights`` ("ABC") restricts the match to
    those parts of the vector. Words are \\w+ only (``terms``): no tsquery syntax reaches to_tsquery."""
    parts = [
        SearchQuery(f"{word}:{weights}" if weights else word, config=cfg, search_type="raw" if weights else "plain")
        for word in words[:-1]
    ]
    parts.append(SearchQuery(f"{words[-1]}:*{weights}", config=cfg, search_type="raw"))
    return reduce(operator.or_ if any_word else operator.and_, parts)


def _ranked(
    articles: QuerySet[Article], query: SearchQuery, head: SearchQuery, *, best: int
) -> list[tuple[int, float]]:
    """The ``best`` (id, rank) pairs, best first, each row ranked in the scan that finds it (reading its vector
    again by id to rank it cost as much as finding it), among candidates rather than every match: a common word
    matches a third of 100,000 articles, and ranking reads the vector of each row it ranks (all of them: ~90 ms;
    bench/knowledge_bench.py). The candidates are up to CANDIDATES rows matching anywhere and, when there are
    more matches than that and fewer than ``best`` of those match ``head`` (in title, summary or tags), up to
    CANDIDATES matching ``head`` too (a second scan), so that title hits are among them. A query matching at
    most CANDIDATES rows is ranked exactly."""
    rank = SearchRank(F("search_vector"), query)
    matches = articles.order_by()  # no ORDER BY: a LIMIT then stops the scan early
    in_head = ExpressionWrapper(Q(search_vector=head), output_field=BooleanField())
    scanned = matches.filter(search_vector=query).annotate(rank=rank, in_head=in_head)
    found: dict[int, float] = {}
    heads = 0
    for pk, score, hit in scanned.values_list("pk", "rank", "in_head")[: CANDIDATES + 1]:
        found[pk] = score
        heads += bool(hit)
    if len(found) > CANDIDATES and heads < best:
        # A row in both sets has the same rank in both.
        found.update(matches.filter(search_vector=head).annotate(rank=rank).values_list("pk", "rank")[:CANDIDATES])
    return sorted(found.items(), key=lambda row: (-row[1], row[0]))[:best]


@contextmanager
def _planned_for_these_words() -> Iterator[None]:
    """Statements run unprepared, so PostgreSQL plans each for the words it looks for. After a few runs of
    the same SQL, psycopg prepares it (settings: prepare_threshold) and PostgreSQL may then keep one generic
    plan for every word: a plan that reads the table in order, good for a common word, reads all of it for a
    rare one (and an index plan the other way round)."""
    connection.ensure_connection()
    raw = connection.connection
    if not hasattr(raw, "prepare_threshold"):
        yield
        return
    before = raw.prepare_threshold
    raw.prepare_threshold = None
    try:
        yield
    finally:
        raw.prepare_threshold = before


def _ranks_postgres(articles: QuerySet[Article], words: list[str], *, best: int, any_word: bool) -> list[Any]:
    cfg = config()
    query = _tsquery(words, cfg, any_word=any_word)
    head = _tsquery(words, cfg, any_word=any_word, weights="ABC")
    with _planned_for_these_words():
        return _ranked(articles, query, head, best=best)


def _rows_postgres(
    articles: QuerySet[Article], ids: list[int], words: list[str], *, any_word: bool, snippets: bool
) -> tuple[dict[int, Article], dict[int, str]]:
    cfg = config()
    # The vector is never read back: left out of the rows.
    shown = articles.filter(pk__in=ids).order_by().defer("search_vector", "replaced_by__search_vector")
    if not snippets:
        return {row.pk: row for row in shown}, {}
    query = _tsquery(words, cfg, any_word=any_word)
    headline = SearchHeadline(
        "body_text", query, config=cfg, start_sel=START, stop_sel=STOP, max_words=SNIPPET_WORDS, min_words=12
    )
    rows: dict[int, Article] = {}
    quotes: dict[int, str] = {}
    for row in shown.annotate(snippet=headline):
        rows[row.pk], quotes[row.pk] = row, row.snippet
    return rows, quotes


def _fts_match(words: list[str], *, any_word: bool) -> str:
    quoted = [f'"{word}"' for word in words[:-1]] + [f'"{words[-1]}"*']  # quoted: no FTS5 operators
    return (" OR " if any_word else " AND ").join(quoted)


def _ranks_sqlite(
    articles: QuerySet[Article], words: list[str], *, limit: int, offset: int, any_word: bool
) -> list[Any]:
    visible_sql, visible_params = articles.order_by().values("pk").query.sql_with_params()
    # Only constants and the ORM's own parametrised SQL go into the text; user input travels as parameters.
    sql = (
        f"SELECT rowid, -bm25({FTS_TABLE}, {FTS_WEIGHTS}) FROM {FTS_TABLE} "  # noqa: S608 - see above
        f"WHERE {FTS_TABLE} MATCH %s AND rowid IN ({visible_sql}) "
        f"ORDER BY bm25({FTS_TABLE}, {FTS_WEIGHTS}), rowid LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [_fts_match(words, any_word=any_word), *visible_params, limit, offset])
        return cursor.fetchall()


def _rows_sqlite(
    articles: QuerySet[Article], ids: list[int], words: list[str], *, any_word: bool, snippets: bool
) -> tuple[dict[int, Article], dict[int, str]]:
    rows = articles.in_bulk(ids)
    if not snippets or not rows:
        return rows, {}
    marks = ", ".join(["%s"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid, snippet({FTS_TABLE}, 3, %s, %s, '…', {SNIPPET_WORDS}) FROM {FTS_TABLE} "  # noqa: S608 - constants and %s marks
            f"WHERE {FTS_TABLE} MATCH %s AND rowid IN ({marks})",
            [START, STOP, _fts_match(words, any_word=any_word), *rows],
        )
        return rows, dict(cursor.fetchall())


def did_you_mean(articles: QuerySet[Article], text: str, *, found: int) -> str | None:
    """A corrected ``text`` when the search found ``found`` rows: each unknown word replaced by a near word of
    the titles' vocabulary, offered only if searching it among ``articles`` (what the reader may see) finds more
    than ``found`` rows and every replacing word in the title of one of them. So a correction never names a word
    that only the title of an article hidden from the reader holds. None when nothing better is found."""
    words = terms(text)
    known = set(SearchWord.objects.filter(word__in=words).values_list("word", flat=True))
    options: list[list[str]] = []
    for n, word in enumerate(words):
        correctable = n < CORRECTED_WORDS and word not in known and len(word) >= MIN_WORD_CHARS
        near = near_words(word) if correctable and not word.isdigit() else []
        options.append(near or [word])
    tried: set[tuple[str, ...]] = set()
    for choice in range(NEAR_WORDS):
        fixed = tuple(near[min(choice, len(near) - 1)] for near in options)
        if fixed == tuple(words) or fixed in tried:
            continue
        tried.add(fixed)
        hits = search(articles, " ".join(fixed), limit=CHECKED_HITS, snippets=False)
        shown = set().union(*(title_words(hit.article.title) for hit in hits))
        if len(hits) > found and set(fixed) - set(words) <= shown:
            return " ".join(fixed)
    return None


def near_words(word: str) -> list[str]:
    """Up to NEAR_WORDS vocabulary words close to ``word``, closest first: pg_trgm similarity on PostgreSQL
    (the trigram index of migration 0004), difflib on a bounded slice of words of about its length on SQLite."""
    if connection.vendor == "postgresql":
        with _planned_for_these_words(), connection.cursor() as cursor:
            # % is pg_trgm's "similar" operator, the one the index serves (pg_trgm.similarity_threshold: 0.3
            # unless the server says otherwise); the explicit bound keeps TRIGRAM_THRESHOLD the least either way.
            cursor.execute(
                "SELECT word FROM knowledge_searchword WHERE word %% %s AND similarity(word, %s) >= %s "
                "ORDER BY similarity(word, %s) DESC, word LIMIT %s",
                [word, word, TRIGRAM_THRESHOLD, word, NEAR_WORDS],
            )
            return [row[0] for row in cursor.fetchall()]
    size = len(word)
    pool = (
        SearchWord.objects.annotate(size=Length("word"))
        .filter(size__gte=size - 2, size__lte=size + 2)
        .values_list("word", flat=True)[:DIFFLIB_POOL]
    )
    return difflib.get_close_matches(word, list(pool), n=NEAR_WORDS, cutoff=DIFFLIB_CUTOFF)


def index_article(article_id: int) -> None:
    """Bring the search index of one article up to date with its row (or drop it when the row is gone)."""
    index_articles([article_id])


def index_articles(article_ids: list[int]) -> None:
    """Bring the index of these articles up to date: one statement per backend (bulk imports call it too), and
    add their titles' words to the vocabulary of ``did_you_mean``."""
    if not article_ids:
        return
    _add_title_words(article_ids)
    if connection.vendor == "postgresql":
        cfg = config()
        vector = (
            SearchVector("title", weight="A", config=cfg)
            + SearchVector("summary", weight="B", config=cfg)
            + SearchVector("tags_text", weight="C", config=cfg)
            + SearchVector("body_text", weight="D", config=cfg)
        )
        Article.objects.filter(pk__in=article_ids).update(search_vector=vector)
        return
    marks = ", ".join(["%s"] * len(article_ids))
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({marks})", article_ids)  # noqa: S608 - constants
        cursor.execute(
            f"INSERT INTO {FTS_TABLE} (rowid, title, summary, tags, body) "  # noqa: S608 - constants and %s marks
            f"SELECT id, title, summary, tags_text, body_text FROM knowledge_article WHERE id IN ({marks})",
            article_ids,
        )


def _add_title_words(article_ids: list[int]) -> None:
    titles = Article.objects.filter(pk__in=article_ids).values_list("title", flat=True)
    words = sorted(set().union(*(title_words(title) for title in titles)))  # sorted: concurrent inserts never deadlock
    SearchWord.objects.bulk_create([SearchWord(word=word) for word in words], ignore_conflicts=True)


def unindex_article(article_id: int) -> None:
    if connection.vendor != "postgresql":  # the PostgreSQL vector lives on the row and goes with it
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [article_id])  # noqa: S608 - a constant
