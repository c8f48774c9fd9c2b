"""Django form fields and widgets for each form-definition field type."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from apps.accounts.models import Team
from apps.catalog.choices import FieldType
from apps.catalog.formdefs import regexcheck
from apps.catalog.formdefs.validation import text_limit

MAX_NUMBER_INPUT = 40


class FullMatchValidator:
    """The whole answer must match the pattern (RE2: linear time); definitions only carry patterns it accepted."""

    def __init__(self, pattern: str, limit: int) -> None:
        self.regex = regexcheck.compile_pattern(pattern)
        self.limit = limit

    def __call__(self, value: str) -> None:
        # The length cap bounds the memory the regex engine uses.
        if len(value) > self.limit or not self.regex.fullmatch(value):
            raise ValidationError("Enter a value in the expected format.", code="invalid_format")


class NumberField(forms.Field):
    """A finite number; whole numbers come back as int, others as float."""

    widget = forms.NumberInput
    default_error_messages = {"invalid": "Enter a number."}

    def __init__(self, *, min_value: float | None = None, max_value: float | None = None, **kwargs: Any) -> None:
        self.min_value, self.max_value = min_value, max_value
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | float | None:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if not text or len(text) > MAX_NUMBER_INPUT or "\x00" in text or "_" in text:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            number = float(text)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not math.isfinite(number) or abs(number) > 1e15:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return int(number) if number.is_integer() else number

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is None:
            return
        if self.min_value is not None and value < self.min_value:
            raise ValidationError(f"Enter a number of at least {self.min_value}.", code="min_value")
        if self.max_value is not None and value > self.max_value:
            raise ValidationError(f"Enter a number of at most {self.max_value}.", code="max_value")

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs["step"] = "any"
        if self.min_value is not None:
            attrs["min"] = self.min_value
        if self.max_value is not None:
            attrs["max"] = self.max_value
        return attrs


class PickerInput(forms.TextInput):
    """A text input with a <datalist> that htmx fills from a search URL as the user types."""

    def __init__(self, *, search_url_name: str, query: str = "", attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.search_url_name, self.query = search_url_name, query

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        list_id = f"{widget_attrs.get('id', name)}_options"
        widget_attrs.update(
            {
                "list": list_id,
                "autocomplete": "off",
                "hx-get": reverse(self.search_url_name) + self.query,
                "hx-trigger": "input changed delay:250ms",
                "hx-target": f"#{list_id}",
                "hx-swap": "innerHTML",
                # The search views read ?q=, not the input's own name: static/js/steward.js sends the typed text
                # as q (hx-vals="js:..." would need eval, which the CSP forbids).
                "data-picker": "",
            }
        )
        return context

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> Any:
        html = super().render(name, value, attrs, renderer)
        list_id = f"{(attrs or {}).get('id', name)}_options"
        return format_html('{}<datalist id="{}"></datalist>', html, list_id)


class UserField(forms.CharField):
    """A username of an active user; the answer is the username."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=150, widget=PickerInput(search_url_name="accounts:user-search"), **kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and len(value) <= 150 and "\x00" not in value:
            exists = get_user_model().objects.filter(username=value, is_active=True).exists()
            if not exists:
                raise ValidationError(f"No active user is named {value!r}.", code="unknown_user")


class TeamField(forms.CharField):
    """A team slug (only joinable teams when ``joinable_only``); the answer is the slug."""

    def __init__(self, *, joinable_only: bool = False, **kwargs: Any) -> None:
        query = "?joinable=1" if joinable_only else ""
        widget = PickerInput(search_url_name="accounts:team-search", query=query)
        super().__init__(max_length=100, widget=widget, **kwargs)
        self.joinable_only = joinable_only

    def validate(self, value: Any) -> None:
        super().validate(value)
        if not value or len(value) > 100 or "\x00" in value:
            return
        teams = Team.objects.filter(slug=value)
        if self.joinable_only:
            teams = teams.filter(joinable=True)
        if not teams.exists():
            adjective = "joinable " if self.joinable_only else ""
            raise ValidationError(f"No {adjective}team has the slug {value!r}.", code="unknown_team")


def _text(spec: dict[str, Any], common: dict[str, Any]) -> forms.Field:
    limit = spec.get("max_length", text_limit(spec["type"]))
    validators = []
    if "regex" in spec:
        limit = min(limit, regexcheck.MAX_INPUT)
        validators.append(FullMatchValidator(spec["regex"], limit))
    long_text = spec["type"] == FieldType.LONG_TEXT
    widget = forms.Textarea(attrs={"rows": 4}) if long_text else forms.TextInput()
    return forms.CharField(
        max_length=limit, min_length=spec.get("min_length"), validators=validators, widget=widget, **common
    )


def _choice(spec: dict[str, Any], common: dict[str, Any]) -> forms.Field:
    choices = [(choice["value"], choice["label"]) for choice in spec["choices"]]
    return forms.ChoiceField(choices=[("", "Choose…"), *choices], **common)


def _multi_choice(spec: dict[str, Any], common: dict[str, Any]) -> forms.Field:
    choices = [(choice["value"], choice["label"]) for choice in spec["choices"]]
    field = forms.MultipleChoiceField(choices=choices, **common)
    low, high = spec.get("min"), spec.get("max")

    def count(values: list[str]) -> None:
        if values and low is not None and len(values) < low:
            raise ValidationError(f"Choose at least {low}.", code="min_choices")
        if high is not None and len(values) > high:
            raise ValidationError(f"Choose at most {high}.", code="max_choices")

    field.validators.append(count)
    return field


class DateInput(forms.DateInput):
    """A browser date picker; with ``not_before_today`` its ``min`` is today, worked out at each render (the form
    class may outlive the day it was built)."""

    input_type = "date"

    def __init__(self, *, not_before_today: bool = False, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")
        self.not_before_today = not_before_today

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if self.not_before_today:
            context["widget"]["attrs"]["min"] = timezone.localdate().isoformat()
        return context


class DateField(forms.DateField):
    """A date written YYYY-MM-DD; with ``not_before_today``, today (in the viewer's time zone) or later."""

    default_error_messages = {"past_date": "Choose today or a later date."}

    def __init__(self, *, not_before_today: bool = False, **kwargs: Any) -> None:
        self.not_before_today = not_before_today
        kwargs.setdefault("widget", DateInput(not_before_today=not_before_today))
        super().__init__(input_formats=["%Y-%m-%d"], **kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if self.not_before_today and value is not None and value < timezone.localdate():
            raise ValidationError(self.error_messages["past_date"], code="past_date")


def _date(spec: dict[str, Any], common: dict[str, Any]) -> forms.Field:
    return DateField(not_before_today=spec.get("not_before_today", False), **common)


def _number(spec: dict[str, Any], common: dict[str, Any]) -> forms.Field:
    return NumberField(min_value=spec.get("min"), max_value=spec.get("max"), **common)


def _boolean(spec: dict[str, Any], common: dict[str, Any]) -> forms.Field:
    return forms.BooleanField(**common)


def _user(spec: dict[str, Any], common: dict[str, Any]) -> forms.Field:
    return UserField(**common)


def _team(spec: dict[str, Any], common: dict[str, Any]) -> forms.Field:
    return TeamField(joinable_only=spec.get("joinable_only", False), **common)


BUILDERS: dict[str, Callable[[dict[str, Any], dict[str, Any]], forms.Field]] = {
    FieldType.TEXT: _text,
    FieldType.LONG_TEXT: _text,
    FieldType.CHOICE: _choice,
    FieldType.MULTI_CHOICE: _multi_choice,
    FieldType.DATE: _date,
    FieldType.NUMBER: _number,
    FieldType.BOOLEAN: _boolean,
    FieldType.USER: _user,
    FieldType.TEAM: _team,
}
CSS_CLASSES = {
    FieldType.CHOICE: "form-select",
    FieldType.MULTI_CHOICE: "form-select",
    FieldType.BOOLEAN: "form-check-input",
}


def form_field(spec: dict[str, Any]) -> forms.Field:
    """The Django form field for one normalised field spec, with Bootstrap classes and show_if attributes."""
    common = {"label": spec["label"], "required": spec["required"], "help_text": spec["help_text"]}
    field = BUILDERS[spec["type"]](spec, common)
    field.widget.attrs["class"] = CSS_CLASSES.get(spec["type"], "form-control")
    show_if = spec.get("show_if")
    # templates/includes/field.html reads both to mark the row for static/js/steward.js.
    field.show_if = show_if  # type: ignore[attr-defined]  # extra attribute read by the template
    field.show_if_json = json.dumps(show_if) if show_if else ""  # type: ignore[attr-defined]  # likewise
    return field
