"""The one FilterSet of changes: the HTML change list and GET /api/v1/changes/ use this class."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django_filters.widgets import DateRangeWidget

from apps.catalog.models import Service
from apps.changes.choices import TERMINAL_STATUSES, ChangeStatus, ChangeType, Tier
from apps.changes.models import NUMBER_PREFIX, Change, Environment, parse_number
from apps.core.filters import IdFilter


class ChangeFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search changes", method="filter_q", help_text="Number or title.")
    status = django_filters.MultipleChoiceFilter(choices=ChangeStatus.choices)
    state = django_filters.ChoiceFilter(
        label="Open or closed",
        choices=[("open", "Open"), ("closed", "Closed")],
        method="filter_state",
        empty_label="Open and closed",
    )
    type = django_filters.MultipleChoiceFilter(choices=ChangeType.choices)
    tier = django_filters.MultipleChoiceFilter(choices=Tier.choices)
    environment = django_filters.ModelChoiceFilter(
        queryset=Environment.objects.order_by("position", "name"), to_field_name="slug", empty_label="Any environment"
    )
    environment_id = IdFilter(field_name="environment_id", label="Environment id")
    service = django_filters.ModelChoiceFilter(
        queryset=Service.objects.order_by("name").only("pk", "slug", "name"),
        to_field_name="slug",
        method="filter_service",
        empty_label="Any service",
        label="Service",  # a method filter has no model field to name it ("[invalid name]" otherwise)
    )
    service_id = IdFilter(method="filter_service_id", label="Service id")
    requester = django_filters.CharFilter(field_name="requester__username", label="Requester")
    # A choice, not a BooleanFilter: that one silently ignores values other than true/false (schemathesis).
    deployed_without_go = django_filters.ChoiceFilter(
        label="Deployed without go",
        choices=[("true", "Yes"), ("false", "No")],
        method="filter_without_go",
        empty_label="Either",
    )
    planned = django_filters.DateFromToRangeFilter(
        field_name="planned_start",
        label="Planned between",
        widget=DateRangeWidget({"type": "date"}),
    )
    ordering = django_filters.OrderingFilter(
        fields=(("id", "number"), ("planned_start", "planned"), ("risk_score", "score"), ("created_at", "created"))
    )

    class Meta:
        model = Change
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            css = "form-select" if field.widget.__class__.__name__.endswith("Select") else "form-control"
            field.widget.attrs.setdefault("class", css)
            for sub in getattr(field.widget, "widgets", []):
                sub.attrs.setdefault("class", "form-control")

    def filter_q(self, queryset: QuerySet[Change], name: str, value: str) -> QuerySet[Change]:
        value = value.strip()
        if not value:
            return queryset
        pk = parse_number(value)
        if pk is not None and value.upper().startswith(NUMBER_PREFIX):
            return queryset.filter(pk=pk)
        return queryset.filter(Q(title__icontains=value) | Q(pk=pk)) if pk else queryset.filter(title__icontains=value)

    def filter_state(self, queryset: QuerySet[Change], name: str, value: str) -> QuerySet[Change]:
        if value == "open":
            return queryset.exclude(status__in=TERMINAL_STATUSES)
        if value == "closed":
            return queryset.filter(status__in=TERMINAL_STATUSES)
        return queryset

    def filter_service(self, queryset: QuerySet[Change], name: str, value: Service | None) -> QuerySet[Change]:
        return self.filter_service_id(queryset, name, value.pk) if value is not None else queryset

    def filter_service_id(self, queryset: QuerySet[Change], name: str, value: Any) -> QuerySet[Change]:
        if value in (None, ""):
            return queryset
        through = Change.services.through.objects.filter(service_id=int(value)).values("change_id")
        return queryset.filter(pk__in=through)

    def filter_without_go(self, queryset: QuerySet[Change], name: str, value: str) -> QuerySet[Change]:
        return queryset.filter(deployed_without_go=value == "true") if value else queryset


class ChangeApiFilterSet(ChangeFilterSet):
    """GET /api/v1/changes/: the same filters; the order is the cursor pages' (apps.changes.api.pagination)."""

    ordering = None  # type: ignore[assignment]  # None removes a filter declared by the parent (django-filter)
