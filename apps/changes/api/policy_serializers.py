"""API representations of risk-policy versions, their rules, test cases and back-tests; writes go through
apps.changes.services (versions, policies, backtest)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.changes.api.serializers import Text
from apps.changes.choices import RuleKind, Tier
from apps.changes.models import PolicyBacktest, PolicyRule, PolicyTestCase, RiskPolicy, format_number
from apps.changes.policy.rules import MAX_EXPRESSION_LENGTH
from apps.changes.services.backtest import MAX_DAYS
from apps.core.api.serializers import StrictSerializer


class PolicyRuleSerializer(serializers.ModelSerializer[PolicyRule]):
    class Meta:
        model = PolicyRule
        fields = ["id", "name", "kind", "expression", "weight", "position", "description"]
        read_only_fields = fields


class PolicyVersionSerializer(serializers.ModelSerializer[RiskPolicy]):
    state = serializers.SerializerMethodField()
    based_on = serializers.IntegerField(source="based_on.version", read_only=True, allow_null=True, default=None)
    authors = serializers.SlugRelatedField[Any](slug_field="username", many=True, read_only=True)
    activated_by = serializers.SlugRelatedField[Any](slug_field="username", read_only=True)
    rules = PolicyRuleSerializer(many=True, read_only=True)

    class Meta:
        model = RiskPolicy
        fields = [
            "version", "name", "description", "state", "is_active", "medium_from", "high_from", "based_on", "authors",
            "created_at", "activated_at", "activated_by", "activation_comment", "rules",
        ]  # fmt: skip
        read_only_fields = fields

    def get_state(self, policy: RiskPolicy) -> str:
        if policy.is_active:
            return "active"
        return "draft" if policy.is_draft else "retired"


class PolicyDraftCreateSerializer(StrictSerializer):
    based_on = serializers.IntegerField(min_value=1, help_text="The version to copy: the active or any earlier one.")
    name = Text(max_length=100, required=False, allow_blank=True, default="")


class PolicyBandsUpdateSerializer(StrictSerializer):
    name = Text(max_length=100)
    description = Text(required=False, allow_blank=True, default="", max_length=5000)
    medium_from = serializers.IntegerField(min_value=-10_000, max_value=10_000)
    high_from = serializers.IntegerField(min_value=-10_000, max_value=10_000)


class PolicyRuleWriteSerializer(StrictSerializer):
    name = Text(max_length=80, help_text="An existing name replaces that rule.")
    kind = serializers.ChoiceField(choices=RuleKind.choices, default=RuleKind.SCORE)
    expression = Text(max_length=MAX_EXPRESSION_LENGTH)
    weight = serializers.IntegerField(min_value=-1000, max_value=1000, default=0)
    position = serializers.IntegerField(min_value=0, max_value=1000, default=0)
    description = Text(max_length=240, required=False, allow_blank=True, default="")


class PolicyTestCaseSerializer(serializers.ModelSerializer[PolicyTestCase]):
    source_change = serializers.CharField(source="source_change.number", read_only=True, default=None)

    class Meta:
        model = PolicyTestCase
        fields = ["id", "name", "attributes", "expected_tier", "expected_rules", "source_change"]
        read_only_fields = fields


class PolicyTestCaseWriteSerializer(StrictSerializer):
    name = Text(max_length=120)
    attributes = serializers.DictField(
        child=serializers.JSONField(), help_text="Documented attributes only; the others take their defaults."
    )
    expected_tier = serializers.ChoiceField(choices=Tier.choices)
    expected_rules = serializers.ListField(
        child=Text(max_length=80), required=False, allow_null=True, default=None, max_length=100,
        help_text="Score rules expected to fire; null or absent: not checked.",
    )  # fmt: skip


class PolicyTestResultSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(source="case.name")
    passed = serializers.BooleanField()
    expected_tier = serializers.CharField(source="case.expected_tier")
    tier = serializers.CharField()
    score = serializers.IntegerField()
    fired = serializers.ListField(child=serializers.CharField())
    reasons = serializers.ListField(child=serializers.CharField())


class PolicyBacktestSerializer(serializers.ModelSerializer[PolicyBacktest]):
    moved = serializers.SerializerMethodField()

    class Meta:
        model = PolicyBacktest
        fields = [
            "id", "status", "days", "since", "total", "processed", "matrix", "before", "after", "moved", "error",
            "created_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_moved(self, backtest: PolicyBacktest) -> list[dict[str, Any]]:
        return [
            {"change": format_number(pk), "old_tier": old, "new_tier": new, "old_score": old_score, "new_score": score}
            for pk, old, new, old_score, score in backtest.moved
        ]


class PolicyBacktestStartSerializer(StrictSerializer):
    days = serializers.IntegerField(min_value=1, max_value=MAX_DAYS, required=False)


class PolicyActivateSerializer(StrictSerializer):
    comment = Text(max_length=2000)
