"""The knowledge API: articles (ranked search with ?q=), revisions, feedback and state moves.

Token calls need the ``knowledge`` scope (writes: a read-write token); what a caller may read and write is
what the HTML pages allow (apps.knowledge.permissions).
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
from apps.core.api.etag import IF_MATCH, expected_version, with_etag
from apps.core.api.exceptions import Conflict
from apps.core.api.pagination import CursorPagination
from apps.knowledge import selectors, services
from apps.knowledge.api.serializers import (
    ArticleFeedbackSerializer,
    ArticleRevisionSerializer,
    ArticleSerializer,
    ArticleTransitionSerializer,
    ArticleWriteSerializer,
)
from apps.knowledge.exceptions import InvalidTransition, StaleArticle
from apps.knowledge.filters import ArticleFilterSet
from apps.knowledge.models import Article
from apps.knowledge.permissions import can_create_article, can_edit_article, get_article_for_user

ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input: a message per field."),
    401: OpenApiResponse(OpenApiTypes.OBJECT, description="Not authenticated."),
    403: OpenApiResponse(OpenApiTypes.OBJECT, description="Token lacks the scope, or the caller may not do this."),
    404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such article, or hidden from the caller."),
    409: OpenApiResponse(OpenApiTypes.OBJECT, description="The article moved on since it was read."),
    412: OpenApiResponse(OpenApiTypes.OBJECT, description="If-Match is not an ETag of this API."),
}
SLUG = OpenApiParameter("slug", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=r"^[-a-zA-Z0-9_]{1,220}$")


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: ERRORS[code] for code in codes}


def _field_errors(exc: DjangoValidationError) -> dict[str, Any]:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    return {("non_field_errors" if key == "__all__" else key): value for key, value in errors.items()}


class ArticleCursorPagination(CursorPagination):
    ordering = ("-updated_at", "-id")


@extend_schema_view(
    list=extend_schema(
        description="Articles the caller may read. With ``q``: published articles matching it, best first, each "
        "with ``snippet`` and ``rank``; one page of at most ``page_size`` results (no next cursor).",
        responses={200: ArticleSerializer(many=True), **_errors(400, 401, 403, 404)},
    ),
    retrieve=extend_schema(parameters=[SLUG], responses={200: ArticleSerializer, **_errors(401, 403, 404)}),
)
class ArticleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ArticleSerializer
    permission_classes = [IsAuthenticated, HasScope("knowledge")]
    filterset_class = ArticleFilterSet
    pagination_class = ArticleCursorPagination
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[Article]:
        return selectors.article_queryset_for(self.request.user).prefetch_related(
            "services", "items", "tags", "audience_teams"
        )

    def get_object(self) -> Article:
        slug = self.kwargs["slug"]
        if "\x00" in slug or len(slug) > 220:
            raise exceptions.NotFound
        return get_article_for_user(signed_in_user(self.request), slug)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        text = request.query_params.get("q", "").strip()
        if not text:
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        if not request.query_params.get("state"):
            queryset = queryset.filter(state="published")
        limit = ArticleCursorPagination().get_page_size(request)  # validated like every page_size: 400 if bad
        hits = selectors.article_search(queryset, text, limit=limit)
        context = {**self.get_serializer_context(), "hits": {hit.article.pk: hit for hit in hits}}
        rows = ArticleSerializer([hit.article for hit in hits], many=True, context=context).data
        return Response({"next": None, "previous": None, "results": rows})

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        article = self.get_object()
        return with_etag(Response(self.get_serializer(article).data), article.version)

    def _answer(self, article: Article, code: int = status.HTTP_200_OK) -> Response:
        article = get_article_for_user(signed_in_user(self.request), article.slug)
        return with_etag(Response(self.get_serializer(article).data, status=code), article.version)

    def _writable(self) -> Article:
        article = self.get_object()
        if not can_edit_article(signed_in_user(self.request), article):
            raise exceptions.PermissionDenied("You may read this article but not change it.")
        return article

    @extend_schema(request=ArticleWriteSerializer, responses={201: ArticleSerializer, **_errors(400, 401, 403)})
    def create(self, request: Request) -> Response:
        """Write a new draft (agents and managers, for one of their teams)."""
        if not can_create_article(signed_in_user(request)):
            raise exceptions.PermissionDenied("Agents and managers write articles for their teams.")
        data = ArticleWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            article = services.article_create(
                actor=signed_in_user(request), data=data.article_data(), message=data.validated_data.get("message", "")
            )
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(_field_errors(exc)) from exc
        return self._answer(article, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[SLUG, IF_MATCH],
        request=ArticleWriteSerializer,
        responses={200: ArticleSerializer, **_errors(400, 401, 403, 404, 409, 412)},
    )
    def partial_update(self, request: Request, slug: str | None = None) -> Response:
        """Edit: a new revision. A published article of a team that requires review goes back to review."""
        article = self._writable()
        data = ArticleWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        try:
            article = services.article_update(
                article=article,
                actor=signed_in_user(request),
                data=data.article_data(article),
                message=data.validated_data.get("message", ""),
                version=expected_version(request),
            )
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(_field_errors(exc)) from exc
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        except StaleArticle as exc:
            raise Conflict(exc.message) from exc
        return self._answer(article)

    @extend_schema(
        parameters=[SLUG],
        request=ArticleTransitionSerializer,
        responses={200: ArticleSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, slug: str | None = None) -> Response:
        """Move the article: in_review, published (a reviewer other than the last author), retired, draft."""
        article = self._writable()
        body = ArticleTransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        replaced_by = self._replacement(body.validated_data.get("replaced_by"))
        try:
            article = services.article_transition(
                article=article, to=body.validated_data["to"], actor=signed_in_user(request), replaced_by=replaced_by
            )
        except InvalidTransition as exc:
            raise exceptions.ValidationError({"to": [exc.message]}) from exc
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        except StaleArticle as exc:
            raise Conflict(exc.message) from exc
        return self._answer(article)

    def _replacement(self, slug: str | None) -> Article | None:
        if not slug:
            return None
        found = selectors.article_searchable_for(self.request.user).filter(slug=slug).first()
        if found is None:
            raise exceptions.ValidationError({"replaced_by": ["No published article you may read has this slug."]})
        return found

    @extend_schema(
        parameters=[SLUG],
        responses={200: ArticleRevisionSerializer(many=True), **_errors(401, 403, 404)},
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def revisions(self, request: Request, slug: str | None = None) -> Response:
        """Every revision, newest first (for people who may edit the article)."""
        article = self._writable()
        return Response(ArticleRevisionSerializer(selectors.revision_list(article), many=True).data)

    @extend_schema(
        parameters=[SLUG],
        request=ArticleFeedbackSerializer,
        responses={201: OpenApiResponse(description="Recorded."), **_errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def feedback(self, request: Request, slug: str | None = None) -> Response:
        """ "Did this help?" on the current revision: one answer per person and revision."""
        article = self.get_object()
        body = ArticleFeedbackSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.feedback_give(article=article, user=signed_in_user(request), **body.validated_data)
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(_field_errors(exc)) from exc
        return Response({"helped": body.validated_data["helped"]}, status=status.HTTP_201_CREATED)
