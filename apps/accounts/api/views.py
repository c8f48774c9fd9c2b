"""API tokens over the API: obtain one with a password, list, create and revoke one's own."""

import datetime as dt
from typing import Any

from django.contrib.auth import authenticate
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import selectors, services
from apps.accounts.api.permissions import CanManageOwnTokens
from apps.accounts.api.serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenCreateSerializer,
    ApiTokenSerializer,
    TokenObtainSerializer,
)
from apps.accounts.http import signed_in_user
from apps.accounts.models import ApiToken, User
from apps.accounts.throttling import LoginThrottled, client_ip, login_throttle_check

ERROR = OpenApiTypes.OBJECT
R400 = OpenApiResponse(ERROR, description="Invalid input: a message per field.")
R401 = OpenApiResponse(ERROR, description="Not authenticated, or a bad, revoked or expired token.")
R403 = OpenApiResponse(ERROR, description="The token may not do this (read-only token).")
R404 = OpenApiResponse(ERROR, description="No such token among yours.")
R404_CURSOR = OpenApiResponse(ERROR, description="Invalid pagination cursor.")
R429 = OpenApiResponse(ERROR, description="Too many failed logins or calls: retry after the Retry-After seconds.")


def _created_body(token: ApiToken, key: str) -> dict[str, Any]:
    return {"key": key, "token": ApiTokenSerializer(token).data}


class TokenObtainView(APIView):
    """``POST /api/v1/auth/token/``: a person's user name and password buy a new read-write ``requests`` token
    that expires after settings.STEWARD_API_LOGIN_TOKEN_DAYS (90 by default).

    Throttled like the login page (apps.accounts.throttling); service accounts and inactive users are refused
    like a wrong password. No session or token is needed, and none is read.
    """

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    def get_authenticate_header(self, request: Request) -> str:
        return "Token"  # what the client should send once it has a key; makes refusals 401, not 403

    @extend_schema(
        request=TokenObtainSerializer,
        responses={201: ApiTokenCreatedSerializer, 400: R400, 401: R401, 429: R429},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = TokenObtainSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        username, password = serializer.validated_data["username"], serializer.validated_data["password"]
        try:
            login_throttle_check(username=username, ip_address=client_ip(request._request))
        except LoginThrottled as exc:
            raise Throttled(wait=exc.retry_after, detail=exc.message) from exc
        user = authenticate(request._request, username=username, password=password)
        if not isinstance(user, User):
            raise AuthenticationFailed("Invalid user name or password.")
        token, key = services.token_create_for_login(user=user)
        return Response(_created_body(token, key), status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(responses={200: ApiTokenSerializer(many=True), 401: R401, 404: R404_CURSOR}),
    retrieve=extend_schema(responses={200: ApiTokenSerializer, 401: R401, 404: R404}),
    create=extend_schema(
        request=ApiTokenCreateSerializer, responses={201: ApiTokenCreatedSerializer, 400: R400, 401: R401, 403: R403}
    ),
    revoke=extend_schema(request=None, responses={200: ApiTokenSerializer, 401: R401, 403: R403, 404: R404}),
)
class ApiTokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[ApiToken]):
    """Your own API tokens. Anyone else's answer 404.

    Needs no particular scope, since every user owns their tokens: reading works with a session or any
    token; creating and revoking need a session or a read-write token (of any scope). A token can only
    create tokens with scopes it has itself and, if it expires, expiring no later than itself, so that a
    narrow token can never mint a wider one.
    """

    serializer_class = ApiTokenSerializer
    permission_classes = [IsAuthenticated, CanManageOwnTokens]
    # Any id reaches get_object, so "0.5" or "abc" answer a JSON 404 rather than Django's HTML one.
    lookup_value_regex = r"[^/]+"
    filterset_fields: list[str] = []

    def get_queryset(self) -> QuerySet[ApiToken]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return ApiToken.objects.none()
        return selectors.token_list_for(signed_in_user(self.request))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ApiTokenCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        expires_at: dt.datetime | None = data["expires_at"]
        user = signed_in_user(request)
        token, key = services.token_create(
            user=user, name=data["name"], scopes=data["scopes"], access=data["access"], expires_at=expires_at
        )
        return Response(_created_body(token, key), status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        user = signed_in_user(request)
        token = services.token_revoke(token=self.get_object(), actor=user)
        return Response(ApiTokenSerializer(token).data)
