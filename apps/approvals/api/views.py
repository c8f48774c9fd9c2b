"""The approvals API: what waits for the caller's decision across every provider, and deciding it.

Token scopes follow the providers: a request approval needs ``requests``, a change approval ``changes``;
the list shows the items of the providers whose scope the token carries (a session sees all).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.http import signed_in_user
from apps.accounts.models import ApiToken
from apps.accounts.permissions import token_has_scope
from apps.approvals import services
from apps.approvals.api.serializers import DecidedSerializer, DecisionSerializer, PendingApprovalSerializer
from apps.approvals.exceptions import (
    ApprovalError,
    ApprovalInvalid,
    ApprovalNotFound,
    ApprovalRefused,
    ApprovalStale,
)
from apps.approvals.registry import ApprovalProvider, get_provider, provider_for_key, provider_list
from apps.approvals.selectors import PendingInbox
from apps.core.api.exceptions import Conflict
from apps.core.api.pagination import ValidatedPageSize

ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input: a message per field."),
    401: OpenApiResponse(OpenApiTypes.OBJECT, description="Not authenticated."),
    403: OpenApiResponse(OpenApiTypes.OBJECT, description="Token lacks the scope, or the caller may not decide it."),
    404: OpenApiResponse(
        OpenApiTypes.OBJECT, description="No such provider, page or object, or hidden from the caller."
    ),
    409: OpenApiResponse(
        OpenApiTypes.OBJECT,
        description="The object changed since it was read (version) or no longer awaits a decision.",
    ),
}
NUMBER = OpenApiParameter(
    "number", OpenApiTypes.STR, OpenApiParameter.PATH, description="The object's number: SR-000123 or CHG-000042."
)
PROVIDER = OpenApiParameter(
    "provider", OpenApiTypes.STR, OpenApiParameter.PATH, description="fulfillment.request or changes.change."
)
KEY = OpenApiParameter("key", OpenApiTypes.STR, OpenApiParameter.PATH, description="The object's number.")


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: ERRORS[code] for code in codes}


def providers_for(request: Request, *, write: bool) -> list[ApprovalProvider]:
    """The providers the caller's token may read (or decide) in; all of them for a session."""
    token = request.auth
    if token is None:
        return provider_list()
    if not isinstance(token, ApiToken):
        return []
    return [provider for provider in provider_list() if token_has_scope(token, provider.scope, write)]


class HasApprovalScope(BasePermission):
    """A token needs the scope of at least one provider (and read-write access to decide)."""

    message = "This token has none of the approvals' scopes (requests, changes), or is read-only."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(providers_for(request, write=request.method not in SAFE_METHODS))


class InboxPagination(ValidatedPageSize, PageNumberPagination):
    """Numbered pages over every provider's items, oldest first (their ``count`` is the caller's inbox size)."""

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] != self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters


class ApprovalListView(generics.GenericAPIView[Any]):
    """Everything waiting for the caller's decision (the HTML inbox's list), oldest first."""

    permission_classes = [IsAuthenticated, HasApprovalScope]
    serializer_class = PendingApprovalSerializer
    pagination_class = InboxPagination
    filterset_class = None
    filter_backends: list[Any] = []  # one inbox across providers: no model, no FilterSet

    @extend_schema(responses={200: PendingApprovalSerializer(many=True), **_errors(400, 401, 403, 404)})
    def get(self, request: Request) -> Response:
        inbox = PendingInbox(signed_in_user(request), providers_for(request, write=False))
        page = self.paginate_queryset(inbox)  # type: ignore[arg-type]  # DRF types it as a QuerySet; any sliceable works
        return self.get_paginated_response(PendingApprovalSerializer(page, many=True).data)


def decide(request: Request, provider: ApprovalProvider, key: str) -> Response:
    """Check the token's scope for ``provider``, decide, and map the inbox's errors onto HTTP answers."""
    if provider not in providers_for(request, write=True):
        raise exceptions.PermissionDenied(f'Deciding this needs a read-write token with the "{provider.scope}" scope.')
    data = DecisionSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    try:
        decided = services.approval_decide(
            actor=signed_in_user(request), provider=provider.key, key=key, **data.validated_data
        )
    except ApprovalError as exc:
        raise _http_error(exc) from exc
    return Response(DecidedSerializer(decided).data, status=status.HTTP_200_OK)


def _http_error(exc: ApprovalError) -> exceptions.APIException:
    if isinstance(exc, ApprovalNotFound):
        return exceptions.NotFound(exc.message)
    if isinstance(exc, ApprovalRefused):
        return exceptions.PermissionDenied(exc.message)
    if isinstance(exc, ApprovalStale):
        return Conflict(exc.message)
    if isinstance(exc, ApprovalInvalid):
        return exceptions.ValidationError(exc.errors)
    return exceptions.ValidationError({"non_field_errors": [exc.message]})


class ApprovalProviderDecideView(APIView):
    """Approve or reject one item of one provider."""

    permission_classes = [IsAuthenticated, HasApprovalScope]

    @extend_schema(
        operation_id="approvals_decide",
        request=DecisionSerializer,
        parameters=[PROVIDER, KEY],
        responses={200: DecidedSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, provider: str, key: str) -> Response:
        """``{"decision": "approve" | "reject", "comment": "...", "version": 3}``; a change rejected needs a reason."""
        try:
            found = get_provider(provider)
        except ApprovalNotFound as exc:
            raise exceptions.NotFound(exc.message) from exc
        return decide(request, found, key)


class ApprovalDecideView(APIView):
    """Approve or reject by number alone (SR-000123, CHG-000042): the number says which provider."""

    permission_classes = [IsAuthenticated, HasApprovalScope]

    @extend_schema(
        operation_id="approvals_decide_by_number",
        request=DecisionSerializer,
        parameters=[NUMBER],
        responses={200: DecidedSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, number: str) -> Response:
        """``{"decision": "approve" | "reject", "comment": "..."}``; 409 when it no longer awaits a decision."""
        try:
            found = provider_for_key(number)
        except ApprovalNotFound as exc:
            raise exceptions.NotFound(exc.message) from exc
        return decide(request, found, number)
