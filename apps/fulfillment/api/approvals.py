"""API of the approver's inbox: list requests waiting for the caller's decision, and decide."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from apps.accounts.permissions import HasScope
from apps.core.api.exceptions import Conflict
from apps.core.api.pagination import CursorPagination
from apps.fulfillment.api.serializers import ServiceRequestSerializer, StrictSerializer
from apps.fulfillment.api.views import NUMBER, _errors
from apps.fulfillment.exceptions import InvalidTransition, StaleRequest
from apps.fulfillment.models import ServiceRequest
from apps.fulfillment.permissions import get_request_for_user
from apps.fulfillment.selectors.approvals import approval_inbox_queryset
from apps.fulfillment.services import COMMENT_MAX_CHARS
from apps.fulfillment.services.approvals import DECISIONS, approval_decide


class ApprovalPagination(CursorPagination):
    """Oldest first, like the HTML inbox: the longest-waiting request comes first."""

    ordering = ("created_at", "id")


class DecisionSerializer(StrictSerializer):
    decision = serializers.ChoiceField(choices=sorted(DECISIONS))
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=COMMENT_MAX_CHARS)


@extend_schema_view(
    list=extend_schema(responses={200: ServiceRequestSerializer(many=True), **_errors(400, 401, 403, 404)})
)
class ApprovalViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Requests awaiting the caller's approval (the same list as the HTML inbox), oldest first."""

    serializer_class = ServiceRequestSerializer
    permission_classes = [IsAuthenticated, HasScope("requests")]
    filterset_class = None
    pagination_class = ApprovalPagination
    lookup_field = "number"
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[ServiceRequest]:
        return approval_inbox_queryset(self.request.user)

    @extend_schema(
        request=DecisionSerializer,
        parameters=[NUMBER],
        responses={200: ServiceRequestSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, number: str | None = None) -> Response:
        """Approve or reject: ``{"decision": "approve", "comment": "..."}``. 409 when no longer awaiting approval."""
        sr = get_request_for_user(request.user, str(number))
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            sr = approval_decide(request=sr, actor=request.user, **data.validated_data)
        except (InvalidTransition, StaleRequest) as exc:
            raise Conflict(str(exc)) from exc
        sr.refresh_from_db()
        return Response(ServiceRequestSerializer(sr, context=self.get_serializer_context()).data)


def register(router: SimpleRouter) -> None:
    """Register the approval endpoints on the fulfillment API router."""
    router.register("approvals", ApprovalViewSet, basename="approval")
