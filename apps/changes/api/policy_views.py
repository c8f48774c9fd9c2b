"""The risk-policy API: versions, drafting, rules, test cases, running them, back-tests and activation.

Everyone signed in (``changes`` scope) reads the versions that were activated; administrators and the
Managers role also see drafts and write. The same services as the HTML editor enforce the rules (drafts only,
four eyes, passing tests); their refusals answer 400 (a message per field), 403 or 409.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
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
from apps.changes import policy_access as access
from apps.changes.api.policy_serializers import (
    PolicyActivateSerializer,
    PolicyBacktestSerializer,
    PolicyBacktestStartSerializer,
    PolicyBandsUpdateSerializer,
    PolicyDraftCreateSerializer,
    PolicyRuleWriteSerializer,
    PolicyTestCaseSerializer,
    PolicyTestCaseWriteSerializer,
    PolicyTestResultSerializer,
    PolicyVersionSerializer,
)
from apps.changes.models import RiskPolicy
from apps.changes.services import backtest as backtests
from apps.changes.services import policies, versions
from apps.core.api.exceptions import Conflict

ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input: a message per field."),
    401: OpenApiResponse(OpenApiTypes.OBJECT, description="Not authenticated."),
    403: OpenApiResponse(OpenApiTypes.OBJECT, description="Token lacks the scope, or the caller may not do this."),
    404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such version, or a draft hidden from the caller."),
    409: OpenApiResponse(OpenApiTypes.OBJECT, description="The version was activated: it cannot change."),
}
VERSION = OpenApiParameter("version", OpenApiTypes.INT, OpenApiParameter.PATH, description="The version number.")


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: ERRORS[code] for code in codes}


def _field_errors(exc: DjangoValidationError) -> dict[str, Any]:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    return {("non_field_errors" if key == "__all__" else key): value for key, value in errors.items()}


class CanAuthorPolicyOrReadOnly(IsAuthenticated):
    message = "Only administrators and managers edit risk policies."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        return request.method in ("GET", "HEAD", "OPTIONS") or access.can_author_policy(request.user)


def _write(call: Any) -> Any:
    """Run a service call, turning its refusals into API answers."""
    try:
        return call()
    except DjangoValidationError as exc:
        raise exceptions.ValidationError(_field_errors(exc)) from exc
    except DjangoPermissionDenied as exc:
        raise exceptions.PermissionDenied(str(exc)) from exc
    except versions.PolicySealed as exc:
        raise Conflict(exc.message) from exc


@extend_schema_view(
    list=extend_schema(responses={200: PolicyVersionSerializer(many=True), **_errors(401, 403)}),
    retrieve=extend_schema(parameters=[VERSION], responses={200: PolicyVersionSerializer, **_errors(401, 403, 404)}),
)
class PolicyVersionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Risk-policy versions, newest first: the active one, retired ones and (for authors) drafts."""

    serializer_class = PolicyVersionSerializer
    permission_classes = [CanAuthorPolicyOrReadOnly, HasScope("changes")]
    filterset_class = None
    pagination_class = None
    lookup_field = "version"
    lookup_value_regex = "[0-9]+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[RiskPolicy]:
        return access.policy_queryset_for(self.request.user).prefetch_related("authors", "rules")

    def get_object(self) -> RiskPolicy:
        return access.get_policy_for_user(self.request.user, int(self.kwargs["version"]))

    def _version(self, policy: RiskPolicy, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=policy.pk)).data, status=code)

    @extend_schema(
        request=PolicyDraftCreateSerializer, responses={201: PolicyVersionSerializer, **_errors(400, 401, 403)}
    )
    def create(self, request: Request) -> Response:
        """Draft a new version from ``based_on`` (its rules, bands and test cases copied)."""
        data = PolicyDraftCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        source = self.get_queryset().filter(version=data.validated_data["based_on"]).first()
        if source is None:
            raise exceptions.ValidationError({"based_on": ["No such version."]})
        actor = signed_in_user(request)
        draft = _write(lambda: versions.policy_draft(source=source, actor=actor, name=data.validated_data["name"]))
        return self._version(draft, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[VERSION],
        request=PolicyBandsUpdateSerializer,
        responses={200: PolicyVersionSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Name, description and tier bands of a draft (all four fields)."""
        policy = self.get_object()
        data = PolicyBandsUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actor = signed_in_user(request)
        _write(lambda: versions.policy_update(policy=policy, actor=actor, **data.validated_data))
        return self._version(policy)

    @extend_schema(
        parameters=[VERSION],
        request=PolicyRuleWriteSerializer,
        responses={200: PolicyVersionSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def rules(self, request: Request, version: str | None = None) -> Response:
        """Add a rule to a draft, or replace the one of that name; the expression is checked first."""
        policy = self.get_object()
        data = PolicyRuleWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actor = signed_in_user(request)
        _write(lambda: policies.policy_rule_save(policy=policy, actor=actor, **data.validated_data))
        return self._version(policy)

    @extend_schema(
        parameters=[VERSION],
        request=PolicyTestCaseWriteSerializer,
        responses={201: PolicyTestCaseSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="test-cases")
    def test_cases(self, request: Request, version: str | None = None) -> Response:
        """Add a test case to a draft (or replace the one of that name)."""
        policy = self.get_object()
        data = PolicyTestCaseWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actor = signed_in_user(request)
        case = _write(lambda: versions.policy_test_case_save(policy=policy, actor=actor, **data.validated_data))
        return Response(PolicyTestCaseSerializer(case).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[VERSION], responses={200: PolicyTestResultSerializer(many=True), **_errors(401, 403, 404)}
    )
    @action(detail=True, methods=["get"], url_path="run-tests")
    def run_tests(self, request: Request, version: str | None = None) -> Response:
        """Run every test case of the version: tier (and rules fired) against the expectation."""
        results = versions.policy_tests_run(self.get_object())
        return Response(PolicyTestResultSerializer(results, many=True).data)

    @extend_schema(
        methods=["GET"], parameters=[VERSION], responses={200: PolicyBacktestSerializer, **_errors(401, 403, 404)}
    )
    @extend_schema(
        methods=["POST"],
        parameters=[VERSION],
        request=PolicyBacktestStartSerializer,
        responses={202: PolicyBacktestSerializer, **_errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["get", "post"])
    def backtest(self, request: Request, version: str | None = None) -> Response:
        """GET: the latest back-test (404 if none). POST: start one; poll GET until its status is done."""
        policy = self.get_object()
        if request.method == "GET":
            latest = access.latest_backtest(policy)
            if latest is None:
                raise exceptions.NotFound("This version has no back-test yet.")
            return Response(PolicyBacktestSerializer(latest).data)
        if not access.can_author_policy(request.user):
            raise exceptions.PermissionDenied(CanAuthorPolicyOrReadOnly.message)
        data = PolicyBacktestStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actor = signed_in_user(request)
        started = _write(lambda: backtests.backtest_start(policy=policy, actor=actor, **data.validated_data))
        return Response(PolicyBacktestSerializer(started).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        parameters=[VERSION],
        request=PolicyActivateSerializer,
        responses={200: PolicyVersionSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, version: str | None = None) -> Response:
        """Activate a draft: by a second author (never one of the draft's), with a comment, all tests passing."""
        policy = self.get_object()
        data = PolicyActivateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actor = signed_in_user(request)
        _write(lambda: versions.policy_activate(policy=policy, actor=actor, **data.validated_data))
        return self._version(policy)
