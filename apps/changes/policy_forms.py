"""Forms of the policy editor: bands, a rule, a test case or "try it" attribute set, activation, a back-test."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.changes.choices import RuleKind, Tier
from apps.changes.models import parse_number
from apps.changes.policy.attributes import ATTRIBUTE_LIST, BOOL, DOUBLE, INT, STRING, STRING_LIST, Attribute
from apps.changes.policy.rules import MAX_EXPRESSION_LENGTH
from apps.changes.services.backtest import MAX_DAYS, backtest_days

ATTR_PREFIX = "attr_"


class EditorForm(forms.Form):
    """The editor shows several forms on one page: each gets ids of its own (``rule_name``, ``case_name``)."""

    id_prefix = "policy"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)
        self.fields.update(self.extra_fields())
        for field in self.fields.values():  # Bootstrap classes, as includes/field.html expects them
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{css} {widget.attrs.get('class', '')}".strip()

    def extra_fields(self) -> dict[str, forms.Field]:
        return {}


class PolicyBandsForm(EditorForm):
    id_prefix = "bands"
    name = forms.CharField(max_length=100)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    medium_from = forms.IntegerField(min_value=-10_000, max_value=10_000, help_text="A score at or above is medium.")
    high_from = forms.IntegerField(min_value=-10_000, max_value=10_000, help_text="A score at or above is high.")


class RuleForm(EditorForm):
    id_prefix = "rule"
    name = forms.CharField(max_length=80, help_text="Saving under an existing name replaces that rule.")
    kind = forms.ChoiceField(choices=RuleKind.choices, initial=RuleKind.SCORE)
    expression = forms.CharField(
        max_length=MAX_EXPRESSION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "class": "font-monospace", "spellcheck": "false"}),
        help_text="CEL over the attributes listed below; it must return true or false.",
    )
    weight = forms.IntegerField(initial=10, min_value=-1000, max_value=1000, help_text="Score rules only.")
    position = forms.IntegerField(initial=0, min_value=0, max_value=1000)
    description = forms.CharField(max_length=240, required=False)


class RuleCheckForm(EditorForm):
    expression = forms.CharField(required=False, max_length=MAX_EXPRESSION_LENGTH * 2)


def _attribute_field(attribute: Attribute) -> forms.Field:
    label, help_text = attribute.name, attribute.description
    if attribute.type == BOOL:
        return forms.BooleanField(required=False, label=label, help_text=help_text, initial=attribute.default)
    if attribute.type == INT:
        return forms.IntegerField(
            required=False, label=label, help_text=help_text, initial=attribute.default, min_value=attribute.low,
            max_value=attribute.high,
        )  # fmt: skip
    if attribute.type == DOUBLE:
        return forms.FloatField(
            required=False, label=label, help_text=help_text, initial=attribute.default, min_value=0, max_value=1
        )
    if attribute.type == STRING and attribute.choices:
        choices = [(c, c) for c in attribute.choices]
        return forms.ChoiceField(
            required=False, label=label, help_text=help_text, initial=attribute.default, choices=choices
        )
    if attribute.type == STRING:
        return forms.CharField(required=False, label=label, help_text=help_text, max_length=200)
    return forms.CharField(
        required=False, label=label, help_text=f"{help_text}; comma-separated", max_length=5000,
        widget=forms.TextInput(attrs={"class": "font-monospace"}),
    )  # fmt: skip


class AttributeSetForm(EditorForm):
    """One field per documented attribute, each starting at its default."""

    def extra_fields(self) -> dict[str, forms.Field]:
        return {ATTR_PREFIX + attribute.name: _attribute_field(attribute) for attribute in ATTRIBUTE_LIST}

    def attribute_fields(self) -> list[forms.BoundField]:
        return [self[ATTR_PREFIX + attribute.name] for attribute in ATTRIBUTE_LIST]

    def attribute_values(self) -> dict[str, Any]:
        """The attributes that differ from their defaults (the rest is filled in when the set is scored)."""
        values = {}
        for attribute in ATTRIBUTE_LIST:
            value = self.cleaned_data.get(ATTR_PREFIX + attribute.name)
            if attribute.type == STRING_LIST:
                value = [part.strip() for part in (value or "").split(",") if part.strip()]
            if value not in (None, "") and value != attribute.default:
                values[attribute.name] = value
        return values


class TestCaseForm(AttributeSetForm):
    id_prefix = "case"
    name = forms.CharField(max_length=120)
    expected_tier = forms.ChoiceField(choices=Tier.choices)
    expected_rules = forms.CharField(
        required=False, max_length=2000, help_text="Score rules expected to fire, comma-separated; blank: not checked."
    )
    expect_no_rule = forms.BooleanField(required=False, label="Expect no score rule to fire")

    __test__ = False  # not a pytest class

    def rules(self) -> list[str] | None:
        if self.cleaned_data.get("expect_no_rule"):
            return []
        names = [name.strip() for name in self.cleaned_data.get("expected_rules", "").split(",") if name.strip()]
        return names or None


class TryForm(AttributeSetForm):
    id_prefix = "try"
    change_number = forms.CharField(
        required=False, max_length=30, help_text="Score a change's stored attributes instead (e.g. CHG-000042)."
    )

    def clean_change_number(self) -> int | None:
        number = self.cleaned_data["change_number"].strip()
        if not number:
            return None
        pk = parse_number(number)
        if pk is None:
            raise forms.ValidationError("Write a change number such as CHG-000042.")
        return pk


class ActivateForm(EditorForm):
    id_prefix = "activate"
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class BacktestForm(EditorForm):
    id_prefix = "backtest"
    days = forms.IntegerField(min_value=1, max_value=MAX_DAYS, initial=backtest_days)


class TierFromChangeForm(EditorForm):
    expected_tier = forms.ChoiceField(choices=Tier.choices, label="Tier it should have had")
    name = forms.CharField(max_length=120, required=False)


class DiffForm(EditorForm):
    id_prefix = "diff"
    a = forms.IntegerField(min_value=1, label="From version")
    b = forms.IntegerField(min_value=1, label="To version")


class MovedFilterForm(EditorForm):
    id_prefix = "moved"
    old = forms.ChoiceField(choices=[("", "any"), *Tier.choices], required=False, label="Old tier")
    new = forms.ChoiceField(choices=[("", "any"), *Tier.choices], required=False, label="New tier")
