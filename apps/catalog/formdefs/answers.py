"""Request forms built from a definition, and the answers they accept from HTML and from the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils.datastructures import MultiValueDict

from apps.catalog.choices import FieldType
from apps.catalog.formdefs.fields import form_field
from apps.core.surrogates import SurrogateSafeFormMixin

BOOLEAN_STRINGS = {"true": True, "on": True, "1": True, "false": False, "0": False, "": False}
STRING_TYPES = {FieldType.TEXT, FieldType.LONG_TEXT, FieldType.CHOICE, FieldType.DATE, FieldType.USER, FieldType.TEAM}


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _matches(answer: Any, equals: Any) -> bool:
    """Whether a cleaned answer satisfies a show_if rule (any selected value, for multiple choice)."""
    if isinstance(answer, list):
        return equals in answer
    if isinstance(answer, bool) or isinstance(equals, bool):
        return answer is equals
    return answer is not None and answer == equals


class RequestForm(SurrogateSafeFormMixin, forms.Form):
    """Base of every generated request form: conditional fields whose rule fails are neither checked nor kept."""

    definition: ClassVar[dict[str, Any]] = {"fields": []}

    def hidden_fields_now(self) -> set[str]:
        """Names of conditional fields whose earlier field does not hold the expected value in the data."""
        hidden = set()
        for spec in self.definition["fields"]:
            rule = spec.get("show_if")
            if not rule:
                continue
            target = self.fields[rule["field"]]
            try:
                answer = _json_value(target.clean(self[rule["field"]].data))
            except ValidationError:
                answer = None
            if not _matches(answer, rule["equals"]):
                hidden.add(spec["name"])
        return hidden

    def full_clean(self) -> None:
        self.hidden_names: set[str] = self.hidden_fields_now() if self.is_bound else set()
        saved = {name: (self.fields[name].required, self.fields[name].disabled) for name in self.hidden_names}
        for name in self.hidden_names:
            # Disabled fields are cleaned from their initial value, so what a hidden field holds is ignored.
            self.fields[name].required, self.fields[name].disabled = False, True
        try:
            super().full_clean()
        finally:
            # Restored so a re-rendered form still shows what was typed and which fields are required.
            for name, (required, disabled) in saved.items():
                self.fields[name].required, self.fields[name].disabled = required, disabled

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in self.hidden_names:
            cleaned.pop(name, None)
        return cleaned

    def answers(self) -> dict[str, Any]:
        """The valid form's answers as JSON values; empty optional answers are left out."""
        return {
            name: _json_value(value)
            for name, value in self.cleaned_data.items()
            if name in self.fields and not _is_empty(value)
        }


def build_form_class(definition: dict[str, Any]) -> type[RequestForm]:
    """The HTML request form for a normalised definition (see validate_definition)."""
    attrs: dict[str, Any] = {"definition": definition}
    for spec in definition["fields"]:
        attrs[spec["name"]] = form_field(spec)
    return type("RequestAnswersForm", (RequestForm,), attrs)


def _api_value(spec: dict[str, Any], value: Any) -> list[str] | str:
    """An API answer turned into what an HTML form would post, or ValidationError for the wrong JSON type."""
    kind = spec["type"]
    if value is None:
        return []
    if kind == FieldType.MULTI_CHOICE:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValidationError("Expected a list of strings.", code="wrong_type")
        return value
    if kind == FieldType.BOOLEAN:
        if isinstance(value, str) and value.lower() in BOOLEAN_STRINGS:
            value = BOOLEAN_STRINGS[value.lower()]
        if not isinstance(value, bool):
            raise ValidationError("Expected true or false.", code="wrong_type")
        return "true" if value else "false"
    if kind == FieldType.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValidationError("Expected a number.", code="wrong_type")
        if isinstance(value, int) and abs(value) > 10**15:
            raise ValidationError("Enter a number of at most 1e15 in absolute value.", code="out_of_range")
        return repr(value) if isinstance(value, float) else str(value)
    if not isinstance(value, str):
        raise ValidationError("Expected a string.", code="wrong_type")
    return value


def _api_data(definition: dict[str, Any], data: Mapping[str, Any]) -> tuple[MultiValueDict, dict[str, list[Any]]]:
    specs = {spec["name"]: spec for spec in definition["fields"]}
    posted: MultiValueDict = MultiValueDict()
    errors: dict[str, list[Any]] = {}
    for key, value in data.items():
        name = str(key)
        if name not in specs:
            errors[name] = [ValidationError("This form has no such field.", code="unknown_field")]
            continue
        try:
            converted = _api_value(specs[name], value)
        except ValidationError as exc:
            errors[name] = [exc]
            continue
        posted.setlist(name, converted if isinstance(converted, list) else [converted])
    return posted, errors


def clean_answers(definition: dict[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """Valid JSON answers from an HTML QueryDict or an API dict; ValidationError keyed by field name otherwise."""
    errors: dict[str, list[Any]] = {}
    posted: MultiValueDict
    if isinstance(data, MultiValueDict):
        posted = data
    elif isinstance(data, Mapping):
        posted, errors = _api_data(definition, data)
    else:
        raise ValidationError({"answers": ["Expected an object of answers."]}, code="wrong_type")
    form = build_form_class(definition)(data=posted)
    valid = form.is_valid()
    for name, messages in form.errors.items():
        if name not in errors:
            errors[name] = list(messages)
    if errors or not valid:
        raise ValidationError(errors)
    return form.answers()


def _display(spec: dict[str, Any], value: Any) -> str:
    kind = spec["type"]
    if kind == FieldType.BOOLEAN:
        return "Yes" if value else "No"
    if kind in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
        labels = {choice["value"]: choice["label"] for choice in spec["choices"]}
        values = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(str(item), str(item)) for item in values)
    return str(value)


def display_answers(definition: dict[str, Any], answers: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) for each answered field, in the form's order."""
    return [
        (spec["label"], _display(spec, answers[spec["name"]]))
        for spec in definition.get("fields", [])
        if spec["name"] in answers
    ]
