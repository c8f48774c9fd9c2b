"""The request-form editor of the catalog builder: a form definition edited as one small form per field.

A *row* is what one field's inputs hold (strings and booleans, as typed). Rows come from a definition (to
edit a version or an import) or from a POST (the editor's own inputs, in the order their ``position`` says);
``apply_op`` adds, removes and moves rows; ``Builder`` turns rows into the definition the form engine checks
(apps.catalog.formdefs) and puts each problem next to the input it is about, using the problem's path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.text import slugify

from apps.catalog.choices import FieldType
from apps.catalog.formdefs.validation import (
    MAX_CHOICE_VALUE,
    MAX_CHOICES,
    MAX_FIELDS,
    MAX_HELP,
    MAX_LABEL,
    TEXT_LIMIT,
    DefinitionProblem,
    definition_problems,
    regexcheck,
)

PREFIX = "fields"
COUNT_NAME = "field_count"
TEXT_INPUTS = (
    "position",
    "name",
    "label",
    "type",
    "help_text",
    "choices",
    "min_length",
    "max_length",
    "regex",
    "min",
    "max",
    "show_if_field",
    "show_if_equals",
)
CHECK_INPUTS = ("required", "joinable_only", "not_before_today")
#: The inputs each field type uses beside the common ones (the others are hidden and not read).
TYPE_INPUTS: dict[str, tuple[str, ...]] = {
    FieldType.TEXT: ("min_length", "max_length", "regex"),
    FieldType.LONG_TEXT: ("min_length", "max_length", "regex"),
    FieldType.CHOICE: ("choices",),
    FieldType.MULTI_CHOICE: ("choices", "min", "max"),
    FieldType.NUMBER: ("min", "max"),
    FieldType.TEAM: ("joinable_only",),
    FieldType.DATE: ("not_before_today",),
}
CONDITION_TARGET_INPUTS = {"field": "show_if_field", "equals": "show_if_equals"}
TRUE_WORDS, FALSE_WORDS = {"true", "yes", "on", "1"}, {"false", "no", "off", "0"}
OP_RE = re.compile(r"(add|remove|up|down)(?:-(\d{1,3}))?|refresh|save")

Row = dict[str, Any]


def empty_row(field_type: str = FieldType.TEXT) -> Row:
    return {**{key: "" for key in TEXT_INPUTS}, "type": field_type, **{key: False for key in CHECK_INPUTS}}


def derive_name(label: str) -> str:
    """A field name from its label: "Why do you need it?" -> "why_do_you_need_it"."""
    name = slugify(label).replace("-", "_")[:50].strip("_")
    if name and not name[0].isalpha():
        name = f"f_{name}"[:50]
    return name


def _number_text(value: Any) -> str:
    return "" if value is None else str(value)


def rows_from_definition(definition: Mapping[str, Any]) -> list[Row]:
    """The editor's rows for a (normalised) definition."""
    rows = []
    for spec in definition.get("fields", []):
        row = empty_row(spec["type"])
        row.update(name=spec["name"], label=spec["label"], help_text=spec.get("help_text", ""))
        row.update({key: bool(spec.get(key)) for key in CHECK_INPUTS})
        row["choices"] = "\n".join(
            choice["value"] if choice["label"] == choice["value"] else f"{choice['value']} | {choice['label']}"
            for choice in spec.get("choices", [])
        )
        for key in ("min_length", "max_length", "min", "max"):
            row[key] = _number_text(spec.get(key))
        row["regex"] = spec.get("regex", "")
        rule = spec.get("show_if")
        if rule:
            equals = rule["equals"]
            row["show_if_field"] = rule["field"]
            row["show_if_equals"] = ("true" if equals else "false") if isinstance(equals, bool) else str(equals)
        rows.append(row)
    return rows


def rows_from_post(data: Mapping[str, Any]) -> list[Row]:
    """The rows a POST of the editor holds, in the order of their ``position`` (what dragging set).

    Each row keeps ``index``, its number in the POST, which the editor's buttons name. At most MAX_FIELDS + 1
    rows are read, whatever the count says (one more, so that "too many" can be reported).
    """
    try:
        count = max(0, min(int(str(data.get(COUNT_NAME, "0"))), MAX_FIELDS + 1))
    except ValueError:
        count = 0
    rows = []
    for index in range(count):
        row: Row = {key: str(data.get(f"{PREFIX}-{index}-{key}", ""))[:20_000] for key in TEXT_INPUTS}
        row.update({key: f"{PREFIX}-{index}-{key}" in data for key in CHECK_INPUTS})
        row["index"] = index
        rows.append(row)

    def order(row: Row) -> tuple[int, int]:
        position = row["position"].strip()
        return (int(position) if position.isdigit() and len(position) < 6 else row["index"], row["index"])

    return sorted(rows, key=order)


def apply_op(rows: list[Row], op: str) -> list[Row]:
    """The rows after one editor button: ``add``, ``remove-<i>``, ``up-<i>``, ``down-<i>`` (``i``: the row's
    index in the POST); anything else (``refresh``, ``save``, a drag) leaves them as they are."""
    match = OP_RE.fullmatch(op or "")
    rows = list(rows)
    if not match or match.group(1) is None:
        return rows
    verb, number = match.group(1), match.group(2)
    if verb == "add":
        return rows + [empty_row()] if len(rows) < MAX_FIELDS else rows
    at = next((pos for pos, row in enumerate(rows) if number is not None and row.get("index") == int(number)), None)
    if at is None:
        return rows
    if verb == "remove":
        del rows[at]
    elif verb == "up" and at > 0:
        rows[at - 1], rows[at] = rows[at], rows[at - 1]
    elif verb == "down" and at < len(rows) - 1:
        rows[at + 1], rows[at] = rows[at], rows[at + 1]
    return rows


def _parse_whole(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise forms.ValidationError("Enter a whole number.", code="invalid") from None


def _parse_number(text: str) -> int | float:
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise forms.ValidationError("Enter a number.", code="invalid") from None


def parse_choices(text: str) -> list[dict[str, str]]:
    """Choices typed one per line, as ``value`` or ``value | label``."""
    choices = []
    for line in text.splitlines():
        if not line.strip():
            continue
        value, _, label = line.partition("|")
        choices.append({"value": value.strip(), "label": label.strip() or value.strip()})
    return choices


def _equals_value(text: str, target_type: str | None) -> Any:
    """The condition's value as the engine stores it: true/false for yes/no fields, a number for numbers."""
    text = text.strip()
    if target_type == FieldType.BOOLEAN and text.lower() in TRUE_WORDS | FALSE_WORDS:
        return text.lower() in TRUE_WORDS
    if target_type == FieldType.NUMBER:
        try:
            return _parse_number(text)
        except forms.ValidationError:
            return text
    return text


class FieldSpecForm(forms.Form):
    """One field of the request form, as the editor shows it."""

    position = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-builder-position": ""}))
    label = forms.CharField(required=False, max_length=MAX_LABEL, help_text="The question as the requester reads it.")
    name = forms.CharField(
        required=False,
        max_length=50,
        help_text="Stored with the answers; lower case letters, digits and _. Filled from the label if left empty.",
        widget=forms.TextInput(attrs={"data-builder-name": "", "spellcheck": "false"}),
    )
    type = forms.ChoiceField(choices=FieldType.choices, widget=forms.Select(attrs={"data-builder-type": ""}))
    help_text = forms.CharField(
        required=False, max_length=MAX_HELP, widget=forms.Textarea(attrs={"rows": 2}), label="Help text"
    )
    required = forms.BooleanField(required=False)
    choices = forms.CharField(
        required=False,
        max_length=MAX_CHOICES * (MAX_CHOICE_VALUE + MAX_LABEL + 4),
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text="One per line: the value, or “value | label”.",
    )
    min_length = forms.CharField(required=False, max_length=10, label="Min length")
    max_length = forms.CharField(required=False, max_length=10, label="Max length")
    regex = forms.CharField(
        required=False,
        max_length=regexcheck.MAX_PATTERN,
        label="Pattern",
        help_text="A regular expression the whole answer must match (RE2), e.g. [a-z0-9-]+/[a-z0-9-]+",
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )
    min = forms.CharField(
        required=False, max_length=40, help_text="Number: the smallest value. Multiple choice: fewest to pick."
    )
    max = forms.CharField(
        required=False, max_length=40, help_text="Number: the largest value. Multiple choice: most to pick."
    )
    joinable_only = forms.BooleanField(required=False, label="Only teams people may join")
    not_before_today = forms.BooleanField(
        required=False,
        label="Not before today",
        help_text="For dates such as “needed by” or “starts on”: a day already past is refused.",
    )
    show_if_field = forms.CharField(
        required=False, label="Show only if", widget=forms.Select(attrs={"data-builder-refresh": ""})
    )
    show_if_equals = forms.CharField(required=False, max_length=TEXT_LIMIT, label="is")

    def __init__(self, *args: Any, earlier: list[Row], row: Row, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.row = row
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"
            elif isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            elif not isinstance(field.widget, forms.HiddenInput):
                field.widget.attrs["class"] = "form-control form-control-sm"
            field.widget.attrs["data-input"] = name
        self._condition_widgets(earlier, row)

    def _condition_widgets(self, earlier: list[Row], row: Row) -> None:
        """ "Show only if" offers the earlier unconditional fields; "is" offers the target's values if it has few."""
        current = row.get("show_if_field", "")
        options = [("", "Always shown")]
        options += [(r["name"], r["label"] or r["name"]) for r in earlier if r["name"] and not r["show_if_field"]]
        if current and current not in dict(options):
            options.append((current, f"{current} (not an earlier unconditional field)"))
        self.fields["show_if_field"].widget.choices = options
        target = next((r for r in earlier if r["name"] and r["name"] == current), None)
        values: list[tuple[str, str]] = []
        if target and target["type"] in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
            values = [(c["value"], c["label"]) for c in parse_choices(target["choices"])]
        elif target and target["type"] == FieldType.BOOLEAN:
            values = [("true", "Yes (ticked)"), ("false", "No (not ticked)")]
        if values:
            equals = row.get("show_if_equals", "")
            if equals and equals not in dict(values):
                values.append((equals, equals))
            attrs = {**self.fields["show_if_equals"].widget.attrs, "class": "form-select form-select-sm"}
            self.fields["show_if_equals"].widget = forms.Select(choices=values, attrs=attrs)

    @property
    def field_type(self) -> str:
        return str(self.row.get("type") or FieldType.TEXT)

    def uses(self, name: str) -> bool:
        return name in TYPE_INPUTS.get(self.field_type, ())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("name", "").strip() and not cleaned.get("label", "").strip():
            self.add_error("label", "Give the field a label.")
        kind = cleaned.get("type", "")
        for key, parse in (("min_length", _parse_whole), ("max_length", _parse_whole)):
            if key in TYPE_INPUTS.get(kind, ()) and cleaned.get(key, "").strip():
                try:
                    cleaned[key] = parse(cleaned[key])
                except forms.ValidationError as exc:
                    self.add_error(key, exc)
        for key in ("min", "max"):
            if key in TYPE_INPUTS.get(kind, ()) and cleaned.get(key, "").strip():
                try:
                    cleaned[key] = _parse_number(cleaned[key])
                except forms.ValidationError as exc:
                    self.add_error(key, exc)
        return cleaned

    def spec(self, earlier_types: Mapping[str, str]) -> dict[str, Any]:
        """The field's definition for the engine (valid forms only): only the keys its type uses."""
        data = self.cleaned_data
        kind = data["type"]
        spec: dict[str, Any] = {"name": data["name"].strip() or derive_name(data["label"]), "type": kind}
        if data["label"].strip():
            spec["label"] = data["label"].strip()
        spec.update(required=data["required"], help_text=data["help_text"].strip())
        for key in TYPE_INPUTS.get(kind, ()):
            value = data.get(key)
            if key == "choices":
                spec["choices"] = parse_choices(value or "")
            elif key in CHECK_INPUTS:
                if value:
                    spec[key] = True
            elif value is not None and value != "":
                spec[key] = value  # a pattern, or a number parsed by clean() (0 included)
        target = data["show_if_field"].strip()
        if target:
            spec["show_if"] = {
                "field": target,
                "equals": _equals_value(data["show_if_equals"], earlier_types.get(target)),
            }
        return spec


@dataclass(frozen=True)
class Problem:
    """A reason the form cannot be saved, said where: which field (``row``, 0-based) and which input."""

    message: str
    row: int | None = None
    field_title: str = ""
    input_label: str = ""

    @property
    def anchor(self) -> str:
        return f"field-card-{self.row}" if self.row is not None else "builder-errors"


def _input_for(problem: DefinitionProblem) -> str | None:
    """The editor input a problem's path points at (``("fields", 2, "choices", 0, "value")`` -> choices)."""
    rest = problem.path[2:]
    if not rest:
        return None
    key = str(rest[0])
    if key == "show_if":
        return CONDITION_TARGET_INPUTS.get(str(rest[1]) if len(rest) > 1 else "field", "show_if_field")
    return key if key in TEXT_INPUTS or key in CHECK_INPUTS else None


def _problem_text(problem: DefinitionProblem) -> str:
    rest = problem.path[2:]
    if len(rest) >= 2 and rest[0] == "choices" and isinstance(rest[1], int):
        return f"Choice {rest[1] + 1}: {problem.reason}"
    return problem.reason[:1].upper() + problem.reason[1:]


class Builder:
    """The editor's forms for ``rows``: bound (checked on demand) or showing the rows as they are."""

    def __init__(self, rows: list[Row], *, bound: bool) -> None:
        self.rows = [{**empty_row(), **row} for row in rows[: MAX_FIELDS + 1]]
        self.bound = bound
        self.forms = [self._form(index, row) for index, row in enumerate(self.rows)]
        self.problems: list[Problem] = []
        self.definition: dict[str, Any] | None = None

    def _form(self, index: int, row: Row) -> FieldSpecForm:
        prefix, earlier = f"{PREFIX}-{index}", self.rows[:index]
        shown = {**row, "position": str(index)}
        if not self.bound:
            return FieldSpecForm(initial=shown, prefix=prefix, earlier=earlier, row=row)
        data = {f"{prefix}-{key}": shown[key] for key in TEXT_INPUTS}
        data.update({f"{prefix}-{key}": "on" for key in CHECK_INPUTS if shown[key]})
        return FieldSpecForm(data=data, prefix=prefix, earlier=earlier, row=row)

    @property
    def count(self) -> int:
        return len(self.forms)

    @property
    def cards(self) -> list[dict[str, Any]]:
        """What the editor's template shows per field: its form, title, place and the inputs its type uses."""
        last = len(self.forms) - 1
        return [
            {
                "form": form,
                "index": index,
                "title": self.title(index),
                "first": index == 0,
                "last": index == last,
                "shown": set(TYPE_INPUTS.get(form.field_type, ())),
            }
            for index, form in enumerate(self.forms)
        ]

    def title(self, index: int) -> str:
        row = self.rows[index]
        return f"Field {index + 1}" + (f" “{row['label'] or row['name']}”" if row["label"] or row["name"] else "")

    def check(self) -> dict[str, Any] | None:
        """The normalised definition, or None with ``problems`` listed and each put next to its input."""
        if len(self.rows) > MAX_FIELDS:
            self.problems.append(Problem(f"A form has at most {MAX_FIELDS} fields."))
            return None
        specs: list[dict[str, Any]] = []
        types: dict[str, str] = {}
        for index, form in enumerate(self.forms):
            if not form.is_valid():
                for name, errors in form.errors.items():
                    field = form.fields.get(name)
                    label = (field.label or name.replace("_", " ").capitalize()) if field is not None else ""
                    self.problems += [Problem(str(e), index, self.title(index), str(label)) for e in errors]
                continue
            spec = form.spec(types)
            types.setdefault(spec["name"], spec["type"])
            specs.append(spec)
        if self.problems:
            return None
        self.definition, problems = definition_problems({"fields": specs})
        for problem in problems:
            self._place(problem)
        return self.definition

    def _place(self, problem: DefinitionProblem) -> None:
        index = problem.path[1] if len(problem.path) > 1 and isinstance(problem.path[1], int) else None
        if index is None or index >= len(self.forms):
            self.problems.append(Problem(problem.reason))
            return
        form, name, text = self.forms[index], _input_for(problem), _problem_text(problem)
        field = form.fields.get(name) if name else None
        label = (field.label or str(name).replace("_", " ").capitalize()) if field is not None else ""
        form.add_error(name if field is not None else None, text)
        self.problems.append(Problem(text, index, self.title(index), str(label)))
