"""The changes API: open a change (idempotent for pipelines), outcomes and decisions; the deployment gate, which
pipelines poll, is apps.changes.api.gate_view (throttled per token in its own bucket, never per address).

Every endpoint needs the ``changes`` scope on token calls (writes: a read-write token).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.api.permissions import HasScope
from apps.accounts.http import signed_in_user
from apps.changes import selectors, services
from apps.changes.api.pagination import ChangeCursorPagination
from apps.changes.api.serializers import (
    ChangeCreateSerializer,
    ChangeSerializer,
    ChangeTransitionSerializer,
    ChangeUpdateSerializer,
    DecideSerializer,
    OutcomeSerializer,
    WindowSerializer,
)
from apps.changes.choices import Decision
from apps.changes.exceptions import CiRunTaken, InvalidTransition, StaleChange
from apps.changes.filters import ChangeApiFilterSet
from apps.changes.models import Change, Window
from apps.changes.permissions import can_report_outcome, get_change_for_user, is_change_manager
from apps.core.api.etag import IF_MATCH, expected_version, with_etag
from apps.core.api.exceptions import Conflict

logger = logging.getLogger(__name__)

ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input: a message per field."),
    401: OpenApiResponse(OpenApiTypes.OBJECT, description="Not authenticated."),
    403: OpenApiResponse(OpenApiTypes.OBJECT, description="Token lacks the scope, or the caller may not do this."),
    404: OpenApiResponse(
        OpenApiTypes.OBJECT, description="No such change, or hidden from the caller; on lists, an invalid cursor."
    ),
    409: OpenApiResponse(OpenApiTypes.OBJECT, description="The change moved on since it was read."),
    412: OpenApiResponse(OpenApiTypes.OBJECT, description="If-Match is not a version ETag."),
}
NUMBER = OpenApiParameter(
    "number", OpenApiTypes.STR, OpenApiParameter.PATH, description="e.g. CHG-000123", pattern=r"^CHG-[0-9]{6,18}$"
)


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: ERRORS[code] for code in codes}


def _field_errors(exc: DjangoValidationError) -> dict[str, Any]:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    return {("non_field_errors" if key == "__all__" else key): value for key, value in errors.items()}


@extend_schema_view(
    list=extend_schema(responses={200: ChangeSerializer(many=True), **_errors(400, 401, 403, 404)}),
    retrieve=extend_schema(parameters=[NUMBER], responses={200: ChangeSerializer, **_errors(401, 403, 404)}),
)
class ChangeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Changes the caller may see; filters as on the HTML change list (apps.changes.filters.ChangeFilterSet)."""

    serializer_class = ChangeSerializer
    permission_classes = [IsAuthenticated, HasScope("changes")]
    filterset_class = ChangeApiFilterSet
    pagination_class = ChangeCursorPagination
    lookup_field = "number"
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Change]:
        return selectors.change_detail_queryset_for(self.request.user)

    def get_object(self) -> Change:
        change = get_change_for_user(signed_in_user(self.request), self.kwargs["number"], detail=True)
        self.check_object_permissions(self.request, change)
        return change

    def _answer(self, change: Change, code: int = status.HTTP_200_OK) -> Response:
        change = get_change_for_user(signed_in_user(self.request), change.number, detail=True)
        response = Response(ChangeSerializer(change, context=self.get_serializer_context()).data, status=code)
        return with_etag(response, change.version)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        change = self.get_object()
        return with_etag(Response(self.get_serializer(change).data), change.version)

    @extend_schema(
        request=ChangeUpdateSerializer,
        parameters=[NUMBER, IF_MATCH],
        responses={200: ChangeSerializer, **_errors(400, 401, 403, 404, 409, 412)},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Edit an open change (the requester, owner-team members, managers; not once in progress or closed).

        Only the fields sent are written. Services, environment, window or commit SHA withdraw the approvals: the
        change is scored and routed again. If-Match is optional: with it, the edit happens only while the change
        is at that version (else 409); without it the last write wins, per field.
        """
        change = self.get_object()
        version = expected_version(request)
        data = ChangeUpdateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        try:
            services.change_update(
                change=change, actor=signed_in_user(request), expected_version=version, **data.validated_data
            )
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(_field_errors(exc)) from exc
        except StaleChange as exc:
            raise Conflict(exc.message) from exc
        return self._answer(change)

    @extend_schema(
        request=ChangeCreateSerializer,
        responses={200: ChangeSerializer, 201: ChangeSerializer, **_errors(400, 401, 403, 409)},
    )
    def create(self, request: Request) -> Response:
        """Open a change, scored at once. A repeated pipeline call (same CI run and attempt) answers 200 with
        the change the first call opened, never a duplicate."""
        data = ChangeCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        try:
            change, created = services.change_open_for_pipeline(
                requester=signed_in_user(request),
                data=data.to_change_data(),
            )
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(_field_errors(exc)) from exc
        except CiRunTaken as exc:
            raise Conflict(exc.message) from exc
        if created:  # the change as opened, scored and routed is in memory: no need to read it back
            body = ChangeSerializer(change, context=self.get_serializer_context()).data
            response = with_etag(Response(body, status=status.HTTP_201_CREATED), change.version)
        else:
            response = self._answer(change)
        response["Location"] = response.data["url"]
        return response

    @extend_schema(
        request=OutcomeSerializer,
        parameters=[NUMBER],
        responses={200: ChangeSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def outcome(self, request: Request, number: str | None = None) -> Response:
        """Report started / succeeded / failed / rolled_back; a repeated report changes nothing."""
        change = self.get_object()
        if not can_report_outcome(signed_in_user(request), change):
            raise exceptions.PermissionDenied("Only the requester, the owner teams and managers report outcomes.")
        data = OutcomeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.change_record_outcome(change=change, actor=signed_in_user(request), **data.validated_data)
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(_field_errors(exc)) from exc
        return self._answer(change)

    @extend_schema(
        request=DecideSerializer,
        parameters=[NUMBER],
        responses={200: ChangeSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def decide(self, request: Request, number: str | None = None) -> Response:
        """Approve or reject (``{"decision": "approve" | "reject", "comment": "..."}``; rejecting needs a comment)."""
        change = self.get_object()
        data = DecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decision = Decision.APPROVED if data.validated_data["decision"] == "approve" else Decision.REJECTED
        try:
            services.change_decide(
                change=change, actor=signed_in_user(request), decision=decision, comment=data.validated_data["comment"]
            )
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(_field_errors(exc)) from exc
        except StaleChange as exc:
            raise Conflict(exc.message) from exc
        return self._answer(change)

    @extend_schema(
        request=ChangeTransitionSerializer,
        parameters=[NUMBER],
        responses={200: ChangeSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def transition(self, request: Request, number: str | None = None) -> Response:
        """Submit a draft (``assessing``) or cancel an open change."""
        change = self.get_object()
        data = ChangeTransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.change_transition(change=change, actor=signed_in_user(request), **data.validated_data)
        except InvalidTransition as exc:
            raise exceptions.ValidationError({"to": [exc.message]}) from exc
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(_field_errors(exc)) from exc
        except StaleChange as exc:
            raise Conflict(exc.message) from exc
        return self._answer(change)


class CanManageWindows(IsAuthenticated):
    message = "Only managers and administrators create windows."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        return request.method in ("GET", "HEAD", "OPTIONS") or is_change_manager(request.user)


@extend_schema_view(
    list=extend_schema(responses={200: WindowSerializer(many=True), **_errors(400, 401, 403, 404)}),
    create=extend_schema(responses={201: WindowSerializer, **_errors(400, 401, 403)}),
)
class WindowViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Freeze and maintenance windows: everyone signed in reads them; managers and administrators create them."""

    serializer_class = WindowSerializer
    permission_classes = [CanManageWindows, HasScope("changes")]
    filterset_class = None

    def get_queryset(self) -> QuerySet[Window]:
        return selectors.window_list().order_by("-starts_at", "-id")

    def perform_create(self, serializer: Any) -> None:
        try:
            serializer.instance = services.window_create(
                actor=signed_in_user(self.request), **serializer.validated_data
            )
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(_field_errors(exc)) from exc
