"""Representations of articles, revisions and feedback; the write serializers build services' ArticleData."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.accounts.models import Team
from apps.catalog.models import CatalogItem, Service
from apps.core.api.serializers import StrictSerializer
from apps.core.links import site_url
from apps.knowledge.choices import ArticleAudience, ArticleState
from apps.knowledge.models import Article, Revision
from apps.knowledge.services import ArticleData, article_data_of
from apps.knowledge.services.feedback import MAX_COMMENT_CHARS


class ArticleSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The article's page (what to link to in a reply).")
    api_url = serializers.HyperlinkedIdentityField(view_name="api:article-detail", lookup_field="slug")
    owner_team: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    services: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    items: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    tags: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    audience_teams: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    replaced_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    snippet = serializers.SerializerMethodField(help_text="With ?q=: body text around the matches, <mark>ed (HTML).")
    rank = serializers.SerializerMethodField(help_text="With ?q=: relevance, higher is better.")

    class Meta:
        model = Article
        fields = [
            "url", "api_url", "slug", "title", "summary", "body_md", "body_html", "state", "audience",
            "audience_teams", "owner_team", "services", "items", "tags", "review_by", "replaced_by", "version",
            "views", "created_at", "updated_at", "published_at", "snippet", "rank",
        ]  # fmt: skip
        read_only_fields = fields

    def get_url(self, article: Article) -> str:
        return site_url(article.get_absolute_url())

    @extend_schema_field({"type": "string", "nullable": True})
    def get_snippet(self, article: Article) -> str | None:
        hit = self.context.get("hits", {}).get(article.pk)
        return None if hit is None else str(hit.snippet)

    @extend_schema_field({"type": "number", "nullable": True})
    def get_rank(self, article: Article) -> float | None:
        hit = self.context.get("hits", {}).get(article.pk)
        return None if hit is None else hit.rank


class ArticleWriteSerializer(StrictSerializer):
    """Create (every required field) or PATCH (any subset) an article; the text is Markdown."""

    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=300, required=False, allow_blank=True)
    body_md = serializers.CharField(max_length=100_000, required=False, allow_blank=True, trim_whitespace=False)
    owner_team = serializers.SlugRelatedField(slug_field="slug", queryset=Team.objects.all())
    services = serializers.SlugRelatedField(
        slug_field="slug", queryset=Service.objects.all(), many=True, required=False
    )
    items = serializers.SlugRelatedField(
        slug_field="slug", queryset=CatalogItem.objects.all(), many=True, required=False
    )
    tags = serializers.ListField(child=serializers.CharField(max_length=40), max_length=12, required=False)
    audience = serializers.ChoiceField(choices=ArticleAudience.choices, required=False)
    audience_teams = serializers.SlugRelatedField(
        slug_field="slug", queryset=Team.objects.all(), many=True, required=False
    )
    review_by = serializers.DateField(required=False, allow_null=True)
    message = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="Why (the revision's).")

    def article_data(self, article: Article | None = None) -> ArticleData:
        values = dict(self.validated_data)
        values.pop("message", None)
        data = article_data_of(article) if article is not None else ArticleData(title="", owner_team=None)
        for name, value in values.items():
            setattr(data, name, list(value) if isinstance(value, list) else value)
        return data


class ArticleTransitionSerializer(StrictSerializer):
    to = serializers.ChoiceField(choices=ArticleState.choices)
    replaced_by = serializers.CharField(
        max_length=220, required=False, allow_null=True, help_text="Slug of the published article that replaces it."
    )


class ArticleFeedbackSerializer(StrictSerializer):
    helped = serializers.BooleanField()
    comment = serializers.CharField(max_length=MAX_COMMENT_CHARS, required=False, allow_blank=True)


class ArticleRevisionSerializer(serializers.ModelSerializer):
    author: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Revision
        fields = ["number", "author", "created_at", "message", "title", "summary", "body_md"]
        read_only_fields = fields
