"""Reads of the knowledge base: scoped querysets, search, suggestions, diffs and the reports."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from apps.accounts.models import User
from apps.catalog.models import CatalogItem
from apps.knowledge import search
from apps.knowledge.choices import SEARCHABLE_STATES, ArticleState
from apps.knowledge.models import (
    Article,
    ArticleLink,
    ArticleSlug,
    Feedback,
    Revision,
    SuggestionCount,
    SuggestionOpen,
)
from apps.knowledge.querysets import team_ids

MAX_SUGGESTIONS = 5
# Below this many hits the search page looks for a corrected query ("did you mean").
FEW_RESULTS = 3
# The search page: hits per page, and how many pages of the best matches it offers (matches are not counted).
SEARCH_PAGE_SIZE = 20
SEARCH_PAGES = 5


def article_queryset_for(user: User | AnonymousUser) -> QuerySet[Article]:
    """The base of every list and lookup: the articles ``user`` may read."""
    return Article.objects.visible_to(user).select_related("owner_team", "replaced_by")


def article_searchable_for(user: User | AnonymousUser) -> QuerySet[Article]:
    """What search and suggestions may return to ``user``: readable and published (retired leave search)."""
    return article_queryset_for(user).filter(state__in=SEARCHABLE_STATES)


def article_by_old_slug(user: User, slug: str) -> Article | None:
    """The readable article that used to live at ``slug`` (its page redirects there)."""
    old = ArticleSlug.objects.filter(slug=slug).values_list("article_id", flat=True).first()
    return None if old is None else article_queryset_for(user).filter(pk=old).first()


def article_search(articles: QuerySet[Article], text: str, *, limit: int = 50) -> list[search.Hit]:
    return search.search(articles, text, limit=limit)


@dataclass(frozen=True)
class SearchPage:
    """One page of ranked hits, shaped like a Paginator's page for the templates. Matches are never counted
    (a common word matches tens of thousands): ``has_next`` says whether another page follows, and ``capped``
    that more matches exist past the last page offered (SEARCH_PAGES pages of the best matches)."""

    object_list: list[search.Hit]
    number: int
    has_next: bool
    capped: bool

    @property
    def shown_most(self) -> int:
        return SEARCH_PAGE_SIZE * SEARCH_PAGES

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


def article_search_page(articles: QuerySet[Article], text: str, *, page: str | int | None) -> SearchPage:
    """Page ``page`` (1 when not a number; at most SEARCH_PAGES) of the search of ``articles`` for ``text``:
    the rows of that page only are read and quoted, plus one to know whether more follow."""
    try:
        number = min(max(int(page or 1), 1), SEARCH_PAGES)
    except (TypeError, ValueError):
        number = 1
    size = SEARCH_PAGE_SIZE
    hits = search.search(articles, text, limit=size + 1, offset=(number - 1) * size)
    more = len(hits) > size
    return SearchPage(
        object_list=hits[:size],
        number=number,
        has_next=more and number < SEARCH_PAGES,
        capped=more and number == SEARCH_PAGES,
    )


def article_did_you_mean(articles: QuerySet[Article], text: str, *, found: int) -> str | None:
    """A corrected query when a search of ``articles`` (the reader's) for ``text`` found fewer than FEW_RESULTS
    rows; its words come from titles the reader may see (apps.knowledge.search.did_you_mean)."""
    if found >= FEW_RESULTS or not search.terms(text):
        return None
    return search.did_you_mean(articles, text, found=found)


def needs_review(user: User, *, today: dt.date | None = None) -> QuerySet[Article]:
    """Published articles of the reader's teams past their review-by date, most overdue first."""
    today = today or timezone.localdate()
    return (
        article_queryset_for(user)
        .filter(state=ArticleState.PUBLISHED, review_by__lt=today, owner_team_id__in=team_ids(user))
        .order_by("review_by", "pk")
    )


def is_stale(article: Article, *, today: dt.date | None = None) -> bool:
    return article.review_by is not None and article.review_by < (today or timezone.localdate())


def suggestions(user: User, *, item: CatalogItem | None, text: str) -> list[search.Hit]:
    """Up to MAX_SUGGESTIONS articles for what is being filed: about the item's service (or the item), matching
    any word typed; with no text yet, the service's most viewed articles. An item whose service and itself have
    no article at all (a catch-all such as "Ask for help") is answered from the whole knowledge base."""
    articles = article_searchable_for(user)
    among: QuerySet[Any, Any] | None = None
    if item is not None:
        # A subquery, not a list of ids read first: PostgreSQL, planning for the words typed, starts from the
        # service's rows (a few thousand) for common words and from the words' index for rare ones.
        about = Article.services.through.objects.filter(service_id=item.service_id).values("article_id")
        for_item = Article.items.through.objects.filter(catalogitem_id=item.pk).values("article_id")
        if about.exists() or for_item.exists():
            among = about.union(for_item)
        else:
            item = None  # nothing is about it: every article may answer, and no "most viewed" without words
    hits = search.search(articles, text, limit=MAX_SUGGESTIONS, any_word=True, among=among)
    if hits or among is None or search.terms(text):
        return hits
    top = articles.filter(pk__in=among).order_by("-views", "pk")[:MAX_SUGGESTIONS]
    return [search.Hit(article=article, rank=0.0, snippet=search.highlight(article.summary)) for article in top]


def revision_list(article: Article) -> QuerySet[Revision]:
    return article.revisions.select_related("author").order_by("-number")


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed" or "gap" (unchanged lines left out)
    text: str


def revision_diff(old: Revision, new: Revision, *, context: int = 3) -> list[DiffLine]:
    """An inline diff of the Markdown of two revisions (title, summary and body), as lines to render escaped."""

    def lines(revision: Revision) -> list[str]:
        return [f"# {revision.title}", revision.summary, "", *revision.body_md.splitlines()]

    kinds = {" ": "same", "+": "added", "-": "removed"}
    out: list[DiffLine] = []
    for line in difflib.unified_diff(lines(old), lines(new), lineterm="", n=context):
        if line.startswith(("---", "+++")):
            continue
        out.append(DiffLine("gap", line) if line.startswith("@@") else DiffLine(kinds[line[0]], line[1:]))
    return out


def feedback_list(article: Article) -> QuerySet[Feedback]:
    return article.feedback.select_related("user", "revision").order_by("-created_at")


def helpfulness_report(user: User, *, limit: int = 10) -> dict[str, list[Article]]:
    """For agents: the least helpful articles (share of "no" votes, at least one vote) and the most viewed."""
    rated = (
        article_queryset_for(user)
        .annotate(votes=Count("feedback"), unhelpful=Count("feedback", filter=Q(feedback__helped=False)))
        .filter(votes__gt=0)
        .order_by("-unhelpful", "votes", "pk")
    )
    viewed = article_queryset_for(user).filter(views__gt=0).order_by("-views", "pk")
    return {"least_helpful": list(rated[:limit]), "most_viewed": list(viewed[:limit])}


@dataclass(frozen=True)
class DeflectionRow:
    """Suggestions of one article (or for one item) over a period; rate = abandoned / opened."""

    label: str
    shown: int
    opened: int
    abandoned: int

    @property
    def rate(self) -> float | None:
        return self.abandoned / self.opened if self.opened else None


def abandon_after() -> dt.timedelta:
    return dt.timedelta(minutes=settings.STEWARD_KNOWLEDGE_ABANDON_MINUTES)


def _deflection(group: str, label: str, start: dt.date, end: dt.date, now: dt.datetime) -> list[DeflectionRow]:
    shown = SuggestionCount.objects.filter(day__gte=start, day__lte=end).values(group, label).annotate(n=Sum("shown"))
    opens = SuggestionOpen.objects.filter(opened_at__date__gte=start, opened_at__date__lte=end)
    abandoned = Q(filed_at__isnull=True, opened_at__lt=now - abandon_after())
    opened = opens.values(group, label).annotate(n=Count("pk"), gone=Count("pk", filter=abandoned))
    rows: dict[Any, list[Any]] = {row[group]: [row[label], row["n"], 0, 0] for row in shown}
    for row in opened:
        rows.setdefault(row[group], [row[label], 0, 0, 0])[2:] = [row["n"], row["gone"]]
    ordered = sorted(rows.values(), key=lambda r: (-r[1], str(r[0])))
    return [DeflectionRow(label=str(r[0]), shown=r[1], opened=r[2], abandoned=r[3]) for r in ordered]


def deflection_report(
    *, start: dt.date, end: dt.date, now: dt.datetime | None = None
) -> dict[str, list[DeflectionRow]]:
    """Per article and per catalog item between ``start`` and ``end`` (inclusive): suggestions shown, opened,
    and opened without a request filed for the item within STEWARD_KNOWLEDGE_ABANDON_MINUTES."""
    now = now or timezone.now()
    return {
        "articles": _deflection("article_id", "article__title", start, end, now),
        "items": _deflection("item_id", "item__name", start, end, now),
    }


def linked_articles(user: Any, *, subject_type: str, subject_id: str) -> QuerySet[Article]:
    """The articles linked to a subject that ``user`` may read, by title."""
    links = ArticleLink.objects.filter(subject_type=subject_type, subject_id=subject_id)
    return article_queryset_for(user).filter(pk__in=links.values("article_id")).order_by("title", "pk")


def article_reply_text(article: Article, *, url: str) -> str:
    """What "Insert and link" puts into a reply: the title and summary, then the article's address."""
    lead = f"{article.title}: {article.summary}" if article.summary else article.title
    return f"{lead}\n{url}"
