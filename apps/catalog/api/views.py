"""Read-only API over the catalog, scoped like the HTML pages and filtered by the same FilterSets."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated

from apps.accounts.api.permissions import HasScope
from apps.catalog.api.serializers import CatalogItemSerializer, ServiceSerializer
from apps.catalog.filters import CatalogItemFilterSet, ServiceFilterSet
from apps.catalog.models import CatalogItem, Service
from apps.catalog.selectors import item_queryset_for, service_queryset_for
from apps.core.api.pagination import CursorPagination

ERROR = OpenApiTypes.OBJECT
R400 = OpenApiResponse(ERROR, description="Invalid filter values: a message per parameter.")
R401 = OpenApiResponse(ERROR, description="Not authenticated, or a bad, revoked or expired token.")
R403 = OpenApiResponse(ERROR, description='The token lacks the "requests" scope.')
R404 = OpenApiResponse(ERROR, description="No such object, or not visible to you.")
R404_CURSOR = OpenApiResponse(ERROR, description="Invalid pagination cursor.")


class SlugLookupMixin:
    """Any path segment reaches the view, so every unknown slug answers the JSON 404 the schema documents."""

    lookup_field = "slug"
    lookup_value_regex = "[^/]+"

    def get_object(self) -> Any:
        slug = self.kwargs.get("slug", "")  # type: ignore[attr-defined]  # set by the viewset this mixes into
        if "\x00" in slug or len(slug) > 100:
            raise NotFound  # PostgreSQL refuses NUL in a query; no slug is that long anyway
        return super().get_object()  # type: ignore[misc]  # the viewset's get_object


class SlugCursorPagination(CursorPagination):
    # Services and items have no created_at; the unique slug gives a stable cursor.
    ordering = ("slug", "id")


@extend_schema_view(
    list=extend_schema(
        responses={200: ServiceSerializer(many=True), 400: R400, 401: R401, 403: R403, 404: R404_CURSOR}
    ),
    retrieve=extend_schema(responses={200: ServiceSerializer, 401: R401, 403: R403, 404: R404}),
)
class ServiceViewSet(SlugLookupMixin, viewsets.ReadOnlyModelViewSet):
    """Services of the catalog (retired ones only for administrators)."""

    serializer_class = ServiceSerializer
    filterset_class = ServiceFilterSet
    permission_classes = [IsAuthenticated, HasScope("requests")]
    pagination_class = SlugCursorPagination

    def get_queryset(self) -> QuerySet[Service]:
        return service_queryset_for(self.request.user)


@extend_schema_view(
    list=extend_schema(
        responses={200: CatalogItemSerializer(many=True), 400: R400, 401: R401, 403: R403, 404: R404_CURSOR}
    ),
    retrieve=extend_schema(responses={200: CatalogItemSerializer, 401: R401, 403: R403, 404: R404}),
)
class CatalogItemViewSet(SlugLookupMixin, viewsets.ReadOnlyModelViewSet):
    """Request types you may file, with their current form (drafts and other audiences are invisible)."""

    serializer_class = CatalogItemSerializer
    filterset_class = CatalogItemFilterSet
    permission_classes = [IsAuthenticated, HasScope("requests")]
    pagination_class = SlugCursorPagination

    def get_queryset(self) -> QuerySet[CatalogItem]:
        return item_queryset_for(self.request.user)
