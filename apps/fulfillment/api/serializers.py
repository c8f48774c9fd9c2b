"""API representations of service requests; writes go through apps.fulfillment.services."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.accounts.models import User
from apps.catalog.models import CatalogItem
from apps.catalog.selectors import item_queryset_for
from apps.core.api.serializers import StrictSerializer
from apps.fulfillment.choices import Priority, RequestStatus
from apps.fulfillment.models import Comment, ServiceRequest
from apps.fulfillment.permissions import allowed_transitions
from apps.fulfillment.services import COMMENT_MAX_CHARS

MAX_ANSWER_DEPTH = 4
Slug = serializers.SlugRelatedField[Any]


def _check_json(value: Any, depth: int = 0) -> None:
    """No NUL characters (PostgreSQL refuses them), no infinities, no deep nesting in answers."""
    if depth > MAX_ANSWER_DEPTH:
        raise serializers.ValidationError("Answers are nested too deeply.")
    if isinstance(value, str) and "\x00" in value:
        raise serializers.ValidationError("Null characters are not allowed.")
    if isinstance(value, float) and not math.isfinite(value):
        raise serializers.ValidationError("Numbers must be finite.")
    if isinstance(value, Mapping):
        for key, item in value.items():
            _check_json(key, depth + 1)
            _check_json(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_json(item, depth + 1)


def _active_person(username: str | None) -> User | None:
    if username is None or username == "":
        return None
    user = get_user_model().objects.filter(username=username, is_active=True, is_service_account=False).first()
    if user is None:
        raise serializers.ValidationError(f"No active person is named {username!r}.")
    return user


@extend_schema_field({"type": "object", "additionalProperties": {}})
class AnswersField(serializers.JSONField):
    """Any JSON in, checked by validate_answers; declared an object so the schema refuses null, lists, numbers."""


class RequestCreateSerializer(StrictSerializer):
    item = serializers.CharField(max_length=100, help_text="Slug of the catalog item.")
    answers = AnswersField(help_text="Answers keyed by the form's field names (see the item's form).")
    requested_for = serializers.CharField(
        max_length=150, required=False, allow_null=True, allow_blank=True, help_text="Username of a colleague."
    )
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)

    def validate_item(self, value: str) -> CatalogItem:
        item = item_queryset_for(self.context["request"].user).filter(slug=value).first()
        if item is None:
            raise serializers.ValidationError(f"No catalog item {value!r} that you can request.")
        return item

    def validate_answers(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise serializers.ValidationError("Expected an object of answers keyed by field name.")
        _check_json(value)
        return value

    def validate_requested_for(self, value: str | None) -> User | None:
        return _active_person(value)


class TransitionSerializer(StrictSerializer):
    to = serializers.ChoiceField(choices=RequestStatus.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=COMMENT_MAX_CHARS)


class RequestUpdateSerializer(StrictSerializer):
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    assignee = serializers.CharField(max_length=150, required=False, allow_null=True, allow_blank=True)

    def validate_assignee(self, value: str | None) -> User | None:
        return _active_person(value)


class CommentCreateSerializer(StrictSerializer):
    body = serializers.CharField(max_length=COMMENT_MAX_CHARS)
    is_internal = serializers.BooleanField(default=False, help_text="Internal notes: the fulfilling team only.")


class CommentSerializer(serializers.ModelSerializer):
    author: Slug = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "author", "body", "is_internal", "created_at"]
        read_only_fields = fields


class ServiceRequestSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    item: Slug = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    team: Slug = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    requester: Slug = serializers.SlugRelatedField(slug_field="username", read_only=True)
    # Null when filed for oneself / while unassigned: declared, so generated clients accept the null.
    requested_for: Slug = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Username; null when filed for oneself."
    )
    assignee: Slug = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Username; null while unassigned."
    )
    answers = serializers.JSONField(read_only=True)
    allowed_transitions = serializers.SerializerMethodField(help_text="Statuses the caller may move the request to.")

    class Meta:
        model = ServiceRequest
        fields = [
            "number",
            "subject",
            "status",
            "status_display",
            "priority",
            "item",
            "team",
            "requester",
            "requested_for",
            "assignee",
            "answers",
            "version",
            "created_at",
            "updated_at",
            "fulfilled_at",
            "closed_at",
            "allowed_transitions",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "array", "items": {"type": "string", "enum": RequestStatus.values}})
    def get_allowed_transitions(self, sr: ServiceRequest) -> list[str]:
        request = self.context.get("request")
        return allowed_transitions(request.user, sr) if request is not None else []
