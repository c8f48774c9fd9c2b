"""The one FilterSet of service requests: the HTML lists and the API use this same class."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from apps.catalog.models import CatalogItem
from apps.fulfillment.choices import OPEN_STATUSES, RequestStatus
from apps.fulfillment.models import ServiceRequest


def _items(request: Any) -> QuerySet[CatalogItem]:
    if request is None:
        return CatalogItem.objects.none()
    return CatalogItem.objects.visible_to(request.user).only("pk", "slug", "name").order_by("name")


class RequestFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RequestStatus.choices, empty_label="Any status")
    state = django_filters.ChoiceFilter(
        label="Open or closed",
        choices=[("open", "Open"), ("closed", "Closed")],
        method="filter_state",
        empty_label="Open and closed",
    )
    item = django_filters.ModelChoiceFilter(
        queryset=_items, to_field_name="slug", label="Catalog item", empty_label="Any item"
    )

    class Meta:
        model = ServiceRequest
        fields = ["status", "state", "item"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            field.widget.attrs.setdefault("class", "form-select")

    def filter_state(self, queryset: QuerySet[ServiceRequest], name: str, value: str) -> QuerySet[ServiceRequest]:
        if value == "open":
            return queryset.filter(status__in=OPEN_STATUSES)
        if value == "closed":
            return queryset.exclude(status__in=OPEN_STATUSES)
        return queryset
