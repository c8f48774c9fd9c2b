"""Automation runs, read-only: only the runs of subjects the caller may see (token scope "requests")."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.permissions import IsAuthenticated

from apps.accounts.api.permissions import HasScope
from apps.automation.api.serializers import AutomationRunSerializer
from apps.automation.choices import RunStatus
from apps.automation.models import AutomationRun
from apps.automation.selectors import run_queryset_for


class AutomationRunFilterSet(django_filters.FilterSet):
    subject_type = django_filters.CharFilter()
    subject_id = django_filters.CharFilter()
    action = django_filters.CharFilter()
    status = django_filters.ChoiceFilter(choices=RunStatus.choices)

    class Meta:
        model = AutomationRun
        fields = ["subject_type", "subject_id", "action", "status"]


ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid filter: a message per parameter."),
    401: OpenApiResponse(OpenApiTypes.OBJECT, description="Not authenticated."),
    403: OpenApiResponse(OpenApiTypes.OBJECT, description='The token lacks the "requests" scope.'),
    404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such run, or its subject is hidden from the caller."),
}


@extend_schema_view(
    list=extend_schema(
        responses={200: AutomationRunSerializer(many=True), **{c: ERRORS[c] for c in (400, 401, 403, 404)}}
    ),
    retrieve=extend_schema(responses={200: AutomationRunSerializer, **{c: ERRORS[c] for c in (401, 403, 404)}}),
)
class AutomationRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Runs of automated fulfilment (attempts, start, end, status, a message; output and error for the
    fulfilling team's agents, redacted); filter by subject."""

    serializer_class = AutomationRunSerializer
    permission_classes = [IsAuthenticated, HasScope("requests")]
    filterset_class = AutomationRunFilterSet
    # Any segment routes here, so a malformed id answers the API's JSON 404, not the HTML one.
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[AutomationRun]:
        return run_queryset_for(self.request.user)

    def get_object(self) -> AutomationRun:
        raw = str(self.kwargs["pk"])
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:  # beyond bigint the database itself would fail
            raise Http404("No such run.")
        return get_object_or_404(self.get_queryset(), pk=int(raw))
