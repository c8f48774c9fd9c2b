"""The one FilterSet of articles: the HTML knowledge pages and GET /api/v1/articles/ use this class.

``q`` is not a filter of rows here: it ranks them (apps.knowledge.search), so the views read it and search
the FilterSet's queryset; the FilterSet only declares it so that both forms and the schema show it.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from apps.accounts.models import Team
from apps.catalog.models import Service
from apps.core.filters import IdFilter
from apps.knowledge.choices import ArticleAudience, ArticleState
from apps.knowledge.models import Article, Tag

MAX_QUERY_CHARS = 200


class ArticleFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search articles", method="filter_nothing", max_length=MAX_QUERY_CHARS, help_text="Words to look for."
    )
    service = django_filters.ModelChoiceFilter(
        queryset=Service.objects.order_by("name").only("pk", "slug", "name"),
        to_field_name="slug",
        method="filter_service",
        empty_label="Any service",
    )
    service_id = IdFilter(method="filter_service_id", label="Service id")
    tag = django_filters.ModelChoiceFilter(
        queryset=Tag.objects.order_by("name"), to_field_name="name", method="filter_tag", empty_label="Any tag"
    )
    state = django_filters.ChoiceFilter(choices=ArticleState.choices, empty_label="Any state")
    audience = django_filters.ChoiceFilter(choices=ArticleAudience.choices, empty_label="Any audience")
    owner_team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.order_by("name").only("pk", "slug", "name"), to_field_name="slug", empty_label="Any team"
    )

    class Meta:
        model = Article
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            css = "form-select" if hasattr(field, "choices") else "form-control"
            field.widget.attrs.setdefault("class", css)
        self.form.fields["q"].widget.input_type = "search"

    def filter_nothing(self, queryset: QuerySet[Article], name: str, value: Any) -> QuerySet[Article]:
        return queryset  # ranking is the view's: see the module docstring

    # Many-to-many filters as subqueries: a join would need DISTINCT, which sorts whole rows (slow for search).
    def filter_service(self, queryset: QuerySet[Article], name: str, value: Service) -> QuerySet[Article]:
        return self.filter_service_id(queryset, name, value.pk)

    def filter_service_id(self, queryset: QuerySet[Article], name: str, value: Any) -> QuerySet[Article]:
        linked = Article.services.through.objects.filter(service_id=int(value)).values("article_id")
        return queryset.filter(pk__in=linked)

    def filter_tag(self, queryset: QuerySet[Article], name: str, value: Tag) -> QuerySet[Article]:
        return queryset.filter(pk__in=Article.tags.through.objects.filter(tag_id=value.pk).values("article_id"))
