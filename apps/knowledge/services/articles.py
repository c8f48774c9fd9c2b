"""Writing articles: create, edit (a new revision), move through the lifecycle, publish, retire, restore.

Every write renders and sanitizes the Markdown (apps.knowledge.markdown), records a revision for text
changes, writes an audit row and keeps the search index current (apps.knowledge.search), all in one
transaction. Concurrent edits are refused by compare-and-set on ``Article.version``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.text import slugify

from apps.accounts.models import Team, User
from apps.catalog.models import CatalogItem, Service
from apps.core.services import audit_record
from apps.knowledge import markdown, search
from apps.knowledge.choices import EDITABLE_STATES, TRANSITIONS, ArticleAudience, ArticleState
from apps.knowledge.exceptions import InvalidTransition, StaleArticle
from apps.knowledge.models import Article, ArticleSlug, Revision, Tag
from apps.knowledge.permissions import can_edit_article, can_publish_article, can_write_for, requires_review

S = ArticleState
MAX_TAGS = 12
MAX_BODY_CHARS = 100_000
# Page names under /knowledge/ (apps.knowledge.urls): an article titled "New" must not hide the create page.
RESERVED_SLUGS = frozenset({"new", "needs-review", "suggest", "reports"})


@dataclass
class ArticleData:
    """What a writer gives for an article; the form and the API serializer build it."""

    title: str
    owner_team: Any  # a Team; None or another team is refused by article_validate
    summary: str = ""
    body_md: str = ""
    services: list[Service] = field(default_factory=list)
    items: list[CatalogItem] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    audience: str = ArticleAudience.EVERYONE
    audience_teams: list[Team] = field(default_factory=list)
    review_by: dt.date | None = None
    replaced_by: Article | None = None


def _clean_tags(tags: list[str]) -> list[str]:
    names = {" ".join(str(tag).lower().split())[:40] for tag in tags}
    return sorted(name for name in names if name)


def article_validate(*, actor: User, data: ArticleData, article: Article | None = None) -> None:
    errors: dict[str, str] = {}
    data.title = " ".join(data.title.split())
    data.tags = _clean_tags(data.tags)
    if not data.title:
        errors["title"] = "Give the article a title."
    if len(data.body_md) > MAX_BODY_CHARS:
        errors["body_md"] = f"An article is at most {MAX_BODY_CHARS:,} characters; split it."
    if len(data.tags) > MAX_TAGS:
        errors["tags"] = f"At most {MAX_TAGS} tags."
    if data.owner_team is None or not can_write_for(actor, data.owner_team.pk):
        errors["owner_team"] = "Choose one of your teams: it owns and reviews the article."
    if data.audience == ArticleAudience.TEAMS and not data.audience_teams:
        errors["audience_teams"] = "Name the teams that may read the article."
    if data.replaced_by is not None and article is not None and data.replaced_by.pk == article.pk:
        errors["replaced_by"] = "An article cannot replace itself."
    if errors:
        raise ValidationError(errors)


def _free_slug(title: str, article: Article | None) -> str:
    """A slug for ``title`` no other article uses or used; an article may take back one of its own old slugs."""
    base = slugify(title)[:200] or "article"
    own = article.pk if article is not None else 0  # 0: no row has it, so nothing is excluded
    for n in range(1, 1000):
        candidate = base if n == 1 else f"{base}-{n}"
        taken = Article.objects.filter(slug=candidate).exclude(pk=own).exists()
        old = ArticleSlug.objects.filter(slug=candidate).exclude(article_id=own).exists()
        if not taken and not old and candidate not in RESERVED_SLUGS:
            return candidate
    raise ValidationError({"title": "Too many articles share this title; make it more specific."})


def _apply(article: Article, data: ArticleData) -> None:
    article.title, article.summary, article.body_md = data.title, data.summary.strip(), data.body_md
    rendered = markdown.render_all(data.body_md)
    article.body_html, article.body_text = rendered["body_html"], rendered["body_text"]
    article.tags_text = " ".join(data.tags)
    article.owner_team, article.audience = data.owner_team, data.audience
    article.review_by, article.replaced_by = data.review_by, data.replaced_by


def _set_relations(article: Article, data: ArticleData) -> None:
    article.services.set(data.services)
    article.items.set(data.items)
    article.audience_teams.set(data.audience_teams if data.audience == ArticleAudience.TEAMS else [])
    article.tags.set([Tag.objects.get_or_create(name=name)[0] for name in data.tags])


def _revision(article: Article, actor: User, message: str) -> Revision:
    number = (article.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    return Revision.objects.create(
        article=article,
        number=number,
        author=actor,
        message=message.strip()[:200],
        title=article.title,
        summary=article.summary,
        body_md=article.body_md,
    )


@transaction.atomic
def article_create(*, actor: User, data: ArticleData, message: str = "") -> Article:
    """A new draft with its first revision."""
    article_validate(actor=actor, data=data)
    article = Article(created_by=actor, last_author=actor, state=S.DRAFT)
    _apply(article, data)
    article.slug = _free_slug(data.title, None)
    article.save()
    _set_relations(article, data)
    revision = _revision(article, actor, message or "Created")
    search.index_article(article.pk)
    audit_record(target=article, verb="knowledge.article.created", actor=actor, revision=revision.number)
    return article


def _rename(article: Article, title: str) -> None:
    """Keep the old slug as a redirect when the title changes the slug."""
    if slugify(title)[:200] == slugify(article.title)[:200]:
        return  # same words, other case or punctuation: the address stays
    new_slug = _free_slug(title, article)
    ArticleSlug.objects.filter(slug=new_slug, article=article).delete()  # taking back an old one
    ArticleSlug.objects.get_or_create(slug=article.slug, defaults={"article": article})
    article.slug = new_slug


def _cas_save(article: Article, expected_version: int) -> None:
    """Write the article's fields if nobody wrote since ``expected_version`` was read."""
    fields = {f.attname: getattr(article, f.attname) for f in Article._meta.concrete_fields if not f.primary_key}
    for skip in ("version", "search_vector", "views", "created_at"):
        fields.pop(skip, None)
    fields["updated_at"] = timezone.now()
    moved = Article.objects.filter(pk=article.pk, version=expected_version).update(version=F("version") + 1, **fields)
    if moved != 1:
        raise StaleArticle
    article.version = expected_version + 1


@transaction.atomic
def article_update(
    *, article: Article, actor: User, data: ArticleData, message: str = "", version: int | None = None
) -> Article:
    """Save an edit as a new revision. A published article of a team that requires review goes back to review:
    what readers see was always read by a second person."""
    if article.state not in EDITABLE_STATES or not can_edit_article(actor, article):
        raise PermissionDenied("You may not edit this article.")
    article_validate(actor=actor, data=data, article=article)
    expected = article.version if version is None else version
    old_state = article.state
    _rename(article, data.title)
    _apply(article, data)
    article.last_author = actor
    if old_state == S.PUBLISHED and requires_review(article.owner_team_id):
        article.state = S.IN_REVIEW
    _cas_save(article, expected)
    _set_relations(article, data)
    revision = _revision(article, actor, message or "Edited")
    search.index_article(article.pk)
    audit_record(target=article, verb="knowledge.article.updated", actor=actor, revision=revision.number)
    if article.state != old_state:
        audit_record(target=article, verb="knowledge.article.state", actor=actor, old=old_state, new=article.state)
    return article


@transaction.atomic
def article_transition(*, article: Article, to: str, actor: User, replaced_by: Article | None = None) -> Article:
    """Move the article in its lifecycle (choices.TRANSITIONS); publishing goes through the review rule."""
    if not can_edit_article(actor, article):
        raise PermissionDenied("You may not change this article's state.")
    if to not in TRANSITIONS.get(article.state, frozenset()):
        raise InvalidTransition(article.state, to)
    if to == S.PUBLISHED:
        _check_publish(article, actor)
    old = article.state
    values: dict[str, Any] = {"state": to, "updated_at": timezone.now(), "version": F("version") + 1}
    if to == S.PUBLISHED:
        values["published_at"] = timezone.now()
    if to == S.RETIRED:
        values["replaced_by"] = replaced_by
    if Article.objects.filter(pk=article.pk, state=old, version=article.version).update(**values) != 1:
        raise StaleArticle
    article.refresh_from_db()
    search.index_article(article.pk)
    audit_record(target=article, verb="knowledge.article.state", actor=actor, old=old, new=to)
    return article


def _check_publish(article: Article, actor: User) -> None:
    if article.state == S.DRAFT and requires_review(article.owner_team_id):
        raise InvalidTransition(article.state, S.PUBLISHED)
    if not can_publish_article(actor, article):
        raise PermissionDenied(
            "Publishing needs a reviewer from the owner team other than the last author; ask a teammate."
        )


def article_publish(*, article: Article, actor: User) -> Article:
    return article_transition(article=article, to=S.PUBLISHED, actor=actor)


def article_retire(*, article: Article, actor: User, replaced_by: Article | None = None) -> Article:
    """Take the article out of search; its URL keeps working with a notice and a link to ``replaced_by``."""
    if replaced_by is not None and replaced_by.pk == article.pk:
        raise ValidationError({"replaced_by": "An article cannot replace itself."})
    return article_transition(article=article, to=S.RETIRED, actor=actor, replaced_by=replaced_by)


@transaction.atomic
def article_restore(*, article: Article, revision: Revision, actor: User) -> Article:
    """Bring back the text of ``revision`` as a new revision (history is never rewritten)."""
    if revision.article_id != article.pk:
        raise ValidationError({"revision": "That revision belongs to another article."})
    data = article_data_of(article)
    data.title, data.summary, data.body_md = revision.title, revision.summary, revision.body_md
    return article_update(article=article, actor=actor, data=data, message=f"Restored revision {revision.number}")


def article_data_of(article: Article) -> ArticleData:
    """The article's current data, to edit a part of it."""
    return ArticleData(
        title=article.title,
        owner_team=article.owner_team,
        summary=article.summary,
        body_md=article.body_md,
        services=list(article.services.all()),
        items=list(article.items.all()),
        tags=list(article.tags.values_list("name", flat=True)),
        audience=article.audience,
        audience_teams=list(article.audience_teams.all()),
        review_by=article.review_by,
        replaced_by=article.replaced_by,
    )


def article_record_view(*, article: Article) -> None:
    """Count a read (the "most viewed" report); one UPDATE, no audit: reading changes nothing."""
    Article.objects.filter(pk=article.pk).update(views=F("views") + 1)
