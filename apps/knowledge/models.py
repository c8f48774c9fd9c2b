"""The knowledge base: Markdown articles with revisions, reviews, feedback and the suggestions shown while filing."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse

from apps.accounts.models import Team
from apps.catalog.models import CatalogItem, Service
from apps.knowledge.choices import ArticleAudience, ArticleState
from apps.knowledge.querysets import ArticleQuerySet


class Tag(models.Model):
    """A label articles are filed under ("vpn", "onboarding"); filters and search read it."""

    name = models.CharField(max_length=40, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ReviewPolicy(models.Model):
    """Whether a team's articles need a second person to publish; a team without a row follows
    settings.STEWARD_KNOWLEDGE_REVIEW_REQUIRED."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="knowledge_review_policy")
    requires_review = models.BooleanField(default=True)

    class Meta:
        verbose_name_plural = "review policies"

    def __str__(self) -> str:
        return f"{self.team}: {'review' if self.requires_review else 'no review'}"


class Article(models.Model):
    """One answer people can read before they ask: its current text, who owns it and where it stands."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    summary = models.CharField(max_length=300, blank=True)
    body_md = models.TextField("body (Markdown)", blank=True)
    # Written by apps.knowledge.services from body_md (rendered, then sanitized): never edited by hand.
    body_html = models.TextField(blank=True, editable=False)
    body_text = models.TextField(blank=True, editable=False, help_text="Plain text of the body, for snippets.")
    tags_text = models.CharField(max_length=500, blank=True, editable=False, help_text="Tag names, for search.")
    services = models.ManyToManyField(Service, blank=True, related_name="articles")
    items = models.ManyToManyField(CatalogItem, blank=True, related_name="articles")
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles")
    audience = models.CharField(max_length=12, choices=ArticleAudience.choices, default=ArticleAudience.EVERYONE)
    audience_teams = models.ManyToManyField(Team, blank=True, related_name="audience_articles")
    owner_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="owned_articles")
    state = models.CharField(max_length=12, choices=ArticleState.choices, default=ArticleState.DRAFT, db_index=True)
    review_by = models.DateField(null=True, blank=True, db_index=True)
    replaced_by = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaces")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    last_author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1, help_text="Raised by every write: the compare-and-set token.")
    views = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # PostgreSQL only (apps.knowledge.search): kept current by services; its GIN index is made by migration 0002.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(replaced_by=models.F("pk")), name="%(app_label)s_%(class)s_not_replaced_by_itself"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("knowledge:article-detail", kwargs={"slug": self.slug})

    @property
    def is_retired(self) -> bool:
        return self.state == ArticleState.RETIRED


class SearchWord(models.Model):
    """A word of some article's title: the vocabulary that "did you mean" corrects a search's words against.

    One list for all articles, never shown as such: apps.knowledge.search.did_you_mean offers a correction only
    when a search among the reader's own articles finds the corrected words in a title. PostgreSQL finds near
    words with a trigram index (migration 0004, pg_trgm); SQLite compares a bounded slice with difflib.
    """

    word = models.CharField(max_length=40, unique=True)

    def __str__(self) -> str:
        return self.word


class ArticleSlug(models.Model):
    """A slug an article was known by: its old URLs redirect to the current one."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="old_slugs")
    slug = models.SlugField(max_length=220, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.slug


class Revision(models.Model):
    """One saved state of an article's text: who wrote it, when and why."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    message = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    body_md = models.TextField(blank=True)

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="%(app_label)s_%(class)s_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.article} r{self.number}"


class Feedback(models.Model):
    """A reader's "did this help?" on one revision: one vote per person per revision."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    helped = models.BooleanField()
    comment = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "feedback"
        constraints = [
            models.UniqueConstraint(fields=["revision", "user"], name="%(app_label)s_%(class)s_one_vote_per_revision"),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.revision}: {'helped' if self.helped else 'did not help'}"


class SuggestionCount(models.Model):
    """How often an article was suggested for a catalog item on one day (the deflection report's "shown")."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="suggestion_counts")
    item = models.ForeignKey(CatalogItem, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    shown = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "item", "day"], name="%(app_label)s_%(class)s_one_row_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.article} for {self.item} on {self.day}: {self.shown}"


class SuggestionOpen(models.Model):
    """A person opened an article suggested while filing an item; ``filed_at`` is set when they filed anyway.

    Opened and never filed within STEWARD_KNOWLEDGE_ABANDON_MINUTES counts as a deflected request.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="suggestion_opens")
    item = models.ForeignKey(CatalogItem, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField(db_index=True)
    filed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "item", "opened_at"], name="knowledge_open_user_item")]

    def __str__(self) -> str:
        return f"{self.user} opened {self.article} for {self.item}"


class ReviewReminder(models.Model):
    """That the owners of an article past review were reminded in one week (its Monday): once a week at most,
    however often the weekly task runs."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="review_reminders")
    week = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "week"], name="%(app_label)s_%(class)s_once_per_week"),
        ]

    def __str__(self) -> str:
        return f"{self.article} (week of {self.week})"


class ArticleLink(models.Model):
    """An article an agent linked to something of another app (e.g. a service request) as its answer.

    The subject is named by type label and id (like automation runs), so knowledge imports none of those apps;
    apps.knowledge.registry says who may see and link each type.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="links")
    subject_type = models.CharField(max_length=60)
    subject_id = models.CharField(max_length=40)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["linked_at", "id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="knowledge_link_subject")]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "article"], name="%(app_label)s_%(class)s_once_per_subject"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article} for {self.subject_type}:{self.subject_id}"


def attachment_path(instance: ArticleAttachment, filename: str) -> str:
    # A random folder per file: names people chose never collide nor tell the URL of another file.
    return f"knowledge/{uuid.uuid4().hex}/{filename}"


class ArticleAttachment(models.Model):
    """A file or image of an article, served only to those who may read the article."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=255)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.filename

    def get_absolute_url(self) -> str:
        return reverse("knowledge:attachment-download", kwargs={"slug": self.article.slug, "pk": self.pk})

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
