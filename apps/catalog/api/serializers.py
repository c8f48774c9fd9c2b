"""Read-only representations of services and catalog items."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.catalog.models import CatalogItem, Service


class ServiceSerializer(serializers.ModelSerializer):
    owner_team: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:service-detail", lookup_field="slug")

    class Meta:
        model = Service
        fields = ["url", "slug", "name", "description", "owner_team", "criticality", "status", "tags", "slo_target"]
        read_only_fields = fields


class CatalogItemSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:catalogitem-detail", lookup_field="slug")
    service: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    category: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    fulfilling_team: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    approval_team: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    form_version = serializers.SerializerMethodField(help_text="Number of the current form version; null if none.")
    form = serializers.SerializerMethodField(help_text='The current form definition: {"fields": [...]}.')

    class Meta:
        model = CatalogItem
        fields = [
            "url",
            "slug",
            "name",
            "summary",
            "description",
            "service",
            "category",
            "fulfilling_team",
            "approval_rule",
            "approval_team",
            "fulfilment_mode",
            "delivery_target_hours",
            "status",
            "form_version",
            "form",
        ]
        read_only_fields = fields

    def get_form_version(self, item: CatalogItem) -> int | None:
        return item.current_form.number if item.current_form else None

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_form(self, item: CatalogItem) -> dict[str, Any]:
        return item.current_form.definition if item.current_form else {"fields": []}
