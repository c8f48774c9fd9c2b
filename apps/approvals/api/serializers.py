"""Shapes of the approvals API: one item shape for every provider, the decision, what it left."""

from __future__ import annotations

from rest_framework import serializers

from apps.approvals.registry import DECISIONS
from apps.approvals.services import COMMENT_MAX_CHARS
from apps.core.api.serializers import StrictSerializer


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


class DecisionSerializer(StrictSerializer):
    """Refuses fields it does not know (apps.core.api.serializers), so a typo never passes silently."""

    decision = serializers.ChoiceField(choices=list(DECISIONS))
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=COMMENT_MAX_CHARS)
    version = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=2**31 - 1)


class DecidedSerializer(serializers.Serializer):
    provider = serializers.CharField()
    key = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField()
    status = serializers.CharField(help_text="The object's status after the decision (its app's own values).")
    status_label = serializers.CharField()
