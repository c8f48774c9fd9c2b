"""The catalog's filters, shared by the HTML pages and the API."""

from __future__ import annotations

import json

import django_filters
from django.db import connection
from django.db.models import QuerySet

from apps.catalog.choices import Criticality, ServiceStatus
from apps.catalog.models import CatalogItem, Service
from apps.catalog.selectors import item_search_filter
from apps.core.filters import IdFilter


class CatalogItemFilterSet(django_filters.FilterSet):
    category = django_filters.CharFilter(field_name="category__slug", label="Category")
    service = django_filters.CharFilter(field_name="service__slug", label="Service")
    q = django_filters.CharFilter(method="filter_words", label="Search", max_length=200)

    class Meta:
        model = CatalogItem
        fields = ["category", "service", "q"]

    def filter_words(self, queryset: QuerySet[CatalogItem], name: str, value: str) -> QuerySet[CatalogItem]:
        return item_search_filter(queryset, value)


class ServiceFilterSet(django_filters.FilterSet):
    criticality = django_filters.ChoiceFilter(choices=Criticality.choices)
    status = django_filters.ChoiceFilter(choices=ServiceStatus.choices)
    owner_team_id = IdFilter(field_name="owner_team_id")
    tag = django_filters.CharFilter(method="filter_tag", label="Tag", max_length=100)

    class Meta:
        model = Service
        fields = ["criticality", "status", "owner_team_id", "tag"]

    def filter_tag(self, queryset: QuerySet[Service], name: str, value: str) -> QuerySet[Service]:
        if connection.features.supports_json_field_contains:
            return queryset.filter(tags__contains=[value])
        # SQLite cannot do JSON containment; the stored JSON text holds each tag between quotes.
        return queryset.filter(tags__icontains=json.dumps(value))
