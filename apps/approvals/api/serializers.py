"""Shapes of the approvals API: one item shape for every provider, the decision, what it left."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers

from apps.approvals.registry import DECISIONS
from apps.approvals.services import COMMENT_MAX_CHARS


class PendingApprovalSerializer(serializers.Serializer):
    provider = serializers.CharField(help_text="Which app the item comes from, e.g. fulfillment.request.")
    provider_label = serializers.CharField()
    key = serializers.CharField(help_text="The object's number, e.g. SR-000123 or CHG-000042.")
    title = serializers.CharField()
    requester = serializers.CharField()
    needs = serializers.CharField(help_text="What the decision is, in words.")
    since = serializers.DateTimeField(help_text="Waiting since; the list is oldest first.")
    url = serializers.CharField(help_text="The object's page.")
    version = serializers.IntegerField(
        allow_null=True, help_text="Send it back as ``version`` to refuse the decision (409) if the object changed."
    )


class DecisionSerializer(serializers.Serializer):
    """Refuses fields it does not know, so a typo never passes silently."""

    decision = serializers.ChoiceField(choices=list(DECISIONS))
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=COMMENT_MAX_CHARS)
    version = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=2**31 - 1)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(str(key) for key in data if key not in self.fields)
            if unknown:
                raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
        return super().to_internal_value(data)


class DecisionSerializerSchema(OpenApiSerializerExtension):
    """DecisionSerializer refuses unknown fields; ``additionalProperties: false`` tells clients so."""

    target_class = DecisionSerializer

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema = auto_schema._map_basic_serializer(self.target, direction)
        return {**schema, "additionalProperties": False}


class DecidedSerializer(serializers.Serializer):
    provider = serializers.CharField()
    key = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField()
    status = serializers.CharField(help_text="The object's status after the decision (its app's own values).")
    status_label = serializers.CharField()
