"""The service-request API: same queryset, FilterSet and services as the HTML pages.

Concurrency: GET of one request answers ``ETag: "<version>"``; transition, comment and PATCH accept
``If-Match: "<version>"`` and answer 409 when the request has moved on. An If-Match that is not one
quoted version number (or ``*``) answers 412 Precondition Failed.
"""

from __future__ import annotations

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
from apps.core.api.etag import IF_MATCH, expected_version, with_etag
from apps.core.api.exceptions import Conflict
from apps.core.api.pagination import CursorPagination, OrderedCursorPagination
from apps.core.links import site_url
from apps.fulfillment import services
from apps.fulfillment.api.serializers import (
    CommentCreateSerializer,
    CommentSerializer,
    RequestCreateSerializer,
    RequestUpdateSerializer,
    ServiceRequestSerializer,
    TransitionSerializer,
)
from apps.fulfillment.exceptions import InvalidAnswers, InvalidTransition, StaleRequest
from apps.fulfillment.filters import RequestFilterSet
from apps.fulfillment.models import ServiceRequest
from apps.fulfillment.permissions import can_see_internal, get_request_for_user
from apps.fulfillment.selectors import comments_for, request_queryset_for


def _field_errors(exc: DjangoValidationError) -> dict[str, Any]:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    return {("non_field_errors" if key == "__all__" else key): value for key, value in errors.items()}


def _with_etag(response: Response, sr: ServiceRequest) -> Response:
    return with_etag(response, sr.version)


ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input: a message per field."),
    401: OpenApiResponse(OpenApiTypes.OBJECT, description="Not authenticated."),
    403: OpenApiResponse(OpenApiTypes.OBJECT, description="Token lacks the scope, or the caller may not do this."),
    404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such request, or hidden from the caller."),
    409: OpenApiResponse(OpenApiTypes.OBJECT, description="The request changed since it was read (If-Match)."),
    412: OpenApiResponse(OpenApiTypes.OBJECT, description="If-Match is not a version ETag."),
}
NUMBER = OpenApiParameter(
    "number",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The request number, e.g. SR-000123.",
    pattern=r"^SR-[0-9]{6,18}$",
)


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: ERRORS[code] for code in codes}


# ``?ordering=`` values the list's cursor pages can follow: a cursor needs a non-null column read from the rows.
# The HTML queue also sorts by priority, status, due and assignee; here those answer 400 (documented).
CURSOR_ORDERINGS = {"created": "created_at", "updated": "updated_at", "number": "id"}


class RequestCursorPagination(OrderedCursorPagination):
    """Cursor pages (no count) in the order ``?ordering=`` asks for, among CURSOR_ORDERINGS; newest first by default."""

    orderings = CURSOR_ORDERINGS


class CommentPagination(CursorPagination):
    """Oldest first, so a conversation reads top to bottom."""

    ordering = ("created_at", "id")


@extend_schema_view(
    list=extend_schema(responses={200: ServiceRequestSerializer(many=True), **_errors(400, 401, 403, 404)}),
    retrieve=extend_schema(parameters=[NUMBER], responses={200: ServiceRequestSerializer, **_errors(401, 403, 404)}),
)
class ServiceRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Service requests the caller may see: filed by, requested for or watched by them, or their team's.

    The list takes the filters of the HTML queue (apps.fulfillment.filters.RequestFilterSet, ``view=`` ready views
    included) and pages by cursor; ``ordering`` accepts created, updated, number (``-`` for descending).
    """

    serializer_class = ServiceRequestSerializer
    pagination_class = RequestCursorPagination
    permission_classes = [IsAuthenticated, HasScope("requests")]
    filterset_class = RequestFilterSet
    lookup_field = "number"
    # Any segment routes here, so a malformed number answers the API's JSON 404, not the HTML one.
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[ServiceRequest]:
        return request_queryset_for(self.request.user)

    def get_object(self) -> ServiceRequest:
        sr = get_request_for_user(self.request.user, self.kwargs["number"])
        self.check_object_permissions(self.request, sr)
        return sr

    def _answer(self, sr: ServiceRequest, code: int = status.HTTP_200_OK) -> Response:
        sr.refresh_from_db()
        return _with_etag(
            Response(ServiceRequestSerializer(sr, context=self.get_serializer_context()).data, status=code), sr
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        sr = self.get_object()
        return _with_etag(Response(self.get_serializer(sr).data), sr)

    @extend_schema(request=RequestCreateSerializer, responses={201: ServiceRequestSerializer, **_errors(400, 401, 403)})
    def create(self, request: Request) -> Response:
        """File a request; answer errors come back as ``{"answers": {"<field>": [...]}}``."""
        data = RequestCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        try:
            sr = services.request_create(requester=signed_in_user(request), **data.validated_data)
        except InvalidAnswers as exc:
            raise exceptions.ValidationError({"answers": _field_errors(exc)}) from exc
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(_field_errors(exc)) from exc
        response = self._answer(sr, status.HTTP_201_CREATED)
        response["Location"] = site_url(f"{request.path.rstrip('/')}/{sr.number}/")
        return response

    @extend_schema(
        request=RequestUpdateSerializer,
        parameters=[NUMBER, IF_MATCH],
        responses={200: ServiceRequestSerializer, **_errors(400, 401, 403, 404, 409, 412)},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change priority and/or assignee (the fulfilling team's agents).

        If-Match is optional. With it, the change happens only while the request is at that version (else 409).
        Without it, the last write wins per field: only the fields in the body are written, so two clients
        changing different fields both succeed and neither is answered 409.
        """
        sr = self.get_object()
        version = expected_version(request)
        data = RequestUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.request_update(
                request=sr, actor=signed_in_user(request), expected_version=version, **data.validated_data
            )
        except StaleRequest as exc:
            raise Conflict(exc.message) from exc
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(_field_errors(exc)) from exc
        return self._answer(sr)

    @extend_schema(
        request=TransitionSerializer,
        parameters=[NUMBER, IF_MATCH],
        responses={200: ServiceRequestSerializer, **_errors(400, 401, 403, 404, 409, 412)},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, number: str | None = None) -> Response:
        """Move the request along its lifecycle: ``{"to": "in_progress", "comment": "..."}``."""
        sr = self.get_object()
        version = expected_version(request)
        data = TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.request_transition(
                request=sr, actor=signed_in_user(request), expected_version=version, **data.validated_data
            )
        except StaleRequest as exc:
            raise Conflict(exc.message) from exc
        except InvalidTransition as exc:
            raise exceptions.ValidationError({"to": [exc.message]}) from exc
        return self._answer(sr)

    @extend_schema(
        methods=["GET"], parameters=[NUMBER], responses={200: CommentSerializer(many=True), **_errors(401, 403, 404)}
    )
    @extend_schema(
        methods=["POST"],
        request=CommentCreateSerializer,
        parameters=[NUMBER, IF_MATCH],
        responses={201: CommentSerializer, **_errors(400, 401, 403, 404, 409, 412)},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=CommentPagination, filterset_class=None)
    def comments(self, request: Request, number: str | None = None) -> Response:
        """The comments the caller may read (internal notes for the team only); POST adds one."""
        sr = self.get_object()
        if request.method == "GET":
            comments = comments_for(sr, include_internal=can_see_internal(request.user, sr))
            page = self.paginate_queryset(comments)
            return self.get_paginated_response(CommentSerializer(page, many=True).data)
        version = expected_version(request)
        data = CommentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            comment = services.comment_add(
                request=sr, author=signed_in_user(request), expected_version=version, **data.validated_data
            )
        except StaleRequest as exc:
            raise Conflict(exc.message) from exc
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)
