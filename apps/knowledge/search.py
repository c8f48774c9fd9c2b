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
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, QuerySet
from django.db.models.expressions import RawSQL
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
# Rows ranked per tier on PostgreSQL (see _candidates).
CANDIDATES = 500
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
    any_word: bool = False,
    capped: bool = True,
    snippets: bool = True,
) -> list[Hit]:
    """The articles of ``articles`` matching ``text``, best first; every word must match unless ``any_word``
    (suggestions while typing: a long description should still find the article about one of its words).
    The last word matches as a prefix, so results follow what is being typed. ``capped=False`` ranks every
    match: for a queryset already narrowed to a few thousand rows (``among``), where the caps only cost.
    ``snippets=False`` leaves them empty where they cost a pass over the bodies (PostgreSQL's headline)."""
    words = terms(text)
    if not words or limit <= 0:
        return []
    if connection.vendor == "postgresql":
        return _search_postgres(articles, words, limit=limit, any_word=any_word, capped=capped, snippets=snippets)
    return _search_sqlite(articles, words, limit=limit, any_word=any_word)


def _tsquery(words: list[str], cfg: str, *, any_word: bool, weights: str = "") -> SearchQuery:
    """Every word (or any, with ``any_word``), the last as a prefix; ``weights`` ("ABC") restricts the match to
    those parts of the vector. Words are \\w+ only (``terms``): no tsquery syntax reaches to_tsquery."""
    parts = [
        SearchQuery(f"{word}:{weights}" if weights else word, config=cfg, search_type="raw" if weights else "plain")
        for word in words[:-1]
    ]
    parts.append(SearchQuery(f"{words[-1]}:*{weights}", config=cfg, search_type="raw"))
    return reduce(operator.or_ if any_word else operator.and_, parts)


def _candidates(articles: QuerySet[Article], query: SearchQuery, head: SearchQuery) -> QuerySet[Any, Any]:
    """The ids worth ranking: up to CANDIDATES matching in title, summary or tags, and up to CANDIDATES matching
    anywhere. Ranking reads the vector of every row it ranks: ranking all 30,000 matches of a common word among
    100,000 articles took ~90 ms, two sets of 500 ~15 ms (bench/knowledge_bench.py). A query matching fewer
    rows than the caps is ranked exactly; past them, the head set keeps title hits among the candidates."""
    matches = _matches(articles)
    return matches.filter(search_vector=head)[:CANDIDATES].union(matches.filter(search_vector=query)[:CANDIDATES])


def _matches(articles: QuerySet[Article]) -> QuerySet[Any, Any]:
    return articles.order_by().values("pk")  # no ORDER BY: a LIMIT then stops the index scan early


def _search_postgres(
    articles: QuerySet[Article], words: list[str], *, limit: int, any_word: bool, capped: bool, snippets: bool
) -> list[Hit]:
    cfg = config()
    query = _tsquery(words, cfg, any_word=any_word)
    # Two steps: rank ids only (a narrow sort over the candidates), then read and quote the few rows shown;
    # ranking whole rows with their joins made the sort carry kilobytes per match.
    if capped:
        candidates = _candidates(articles, query, _tsquery(words, cfg, any_word=any_word, weights="ABC"))
    else:
        candidates = _matches(articles).filter(search_vector=query)
    ranked = (
        Article.objects.filter(pk__in=candidates)
        .annotate(rank=SearchRank(F("search_vector"), query))
        .order_by("-rank", "pk")
        .values_list("pk", "rank")[:limit]
    )
    ranks = dict(ranked)
    headline = SearchHeadline(
        "body_text", query, config=cfg, start_sel=START, stop_sel=STOP, max_words=SNIPPET_WORDS, min_words=12
    )
    shown = articles.filter(pk__in=list(ranks))
    rows = {row.pk: row for row in (shown.annotate(snippet=headline) if snippets else shown)}
    return [
        Hit(article=rows[pk], rank=float(rank), snippet=highlight(getattr(rows[pk], "snippet", "")))
        for pk, rank in ranks.items()
        if pk in rows
    ]


def among(articles: QuerySet[Article], ids: list[int]) -> QuerySet[Article]:
    """``articles`` narrowed to ``ids``. On PostgreSQL the ids travel as one array: thousands of IN (...)
    parameters cost more to plan than the search among them costs to run."""
    if connection.vendor == "postgresql":
        return articles.filter(pk__in=RawSQL("SELECT unnest(%s::bigint[])", [ids]))
    return articles.filter(pk__in=ids)


def _fts_match(words: list[str], *, any_word: bool) -> str:
    quoted = [f'"{word}"' for word in words[:-1]] + [f'"{words[-1]}"*']  # quoted: no FTS5 operators
    return (" OR " if any_word else " AND ").join(quoted)


def _search_sqlite(articles: QuerySet[Article], words: list[str], *, limit: int, any_word: bool) -> list[Hit]:
    visible_sql, visible_params = articles.order_by().values("pk").query.sql_with_params()
    # Only constants and the ORM's own parametrised SQL go into the text; user input travels as parameters.
    sql = (
        f"SELECT rowid, -bm25({FTS_TABLE}, {FTS_WEIGHTS}), snippet({FTS_TABLE}, 3, %s, %s, '…', {SNIPPET_WORDS}) "  # noqa: S608 - see above
        f"FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s AND rowid IN ({visible_sql}) "
        f"ORDER BY bm25({FTS_TABLE}, {FTS_WEIGHTS}), rowid LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [START, STOP, _fts_match(words, any_word=any_word), *visible_params, limit])
        rows = cursor.fetchall()
    found = articles.in_bulk([row[0] for row in rows])
    return [Hit(article=found[pk], rank=float(rank), snippet=highlight(snip)) for pk, rank, snip in rows if pk in found]


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
        with connection.cursor() as cursor:
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
