"""Checking a form definition before it is saved: anything accepted here can render and validate answers."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError

from apps.catalog.choices import FieldType
from apps.catalog.formdefs import regexcheck

NAME_RE = re.compile(r"[a-z][a-z0-9_]{0,49}")
MAX_FIELDS = 100
MAX_CHOICES = 200
MAX_LABEL = 200
MAX_HELP = 1000
MAX_CHOICE_VALUE = 100
# Upper bounds on what a user may type; they also cap the input a regex ever runs on.
TEXT_LIMIT = 1000
LONG_TEXT_LIMIT = 10000

COMMON_KEYS = {"name", "label", "type", "required", "help_text", "show_if"}
TYPE_KEYS: dict[str, set[str]] = {
    FieldType.TEXT: {"min_length", "max_length", "regex"},
    FieldType.LONG_TEXT: {"min_length", "max_length", "regex"},
    FieldType.CHOICE: {"choices"},
    FieldType.MULTI_CHOICE: {"choices", "min", "max"},
    FieldType.DATE: set(),
    FieldType.NUMBER: {"min", "max"},
    FieldType.BOOLEAN: set(),
    FieldType.USER: set(),
    FieldType.TEAM: {"joinable_only"},
}


def text_limit(field_type: str) -> int:
    return LONG_TEXT_LIMIT if field_type == FieldType.LONG_TEXT else TEXT_LIMIT


def _fail(where: str, reason: str) -> ValidationError:
    return ValidationError(f"{where}: {reason}", code="invalid_definition")


def _string(value: object, where: str, *, limit: int, allow_empty: bool = True) -> str:
    if not isinstance(value, str):
        raise _fail(where, "must be a string.")
    if "\x00" in value:
        raise _fail(where, "must not contain NUL characters.")
    if len(value) > limit:
        raise _fail(where, f"must be at most {limit} characters.")
    if not allow_empty and not value.strip():
        raise _fail(where, "must not be empty.")
    return value


def _bool(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(where, "must be true or false.")
    return value


def _int(value: object, where: str, *, minimum: int = 0, maximum: int = LONG_TEXT_LIMIT) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(where, "must be a whole number.")
    if not minimum <= value <= maximum:
        raise _fail(where, f"must be between {minimum} and {maximum}.")
    return value


def _number(value: object, where: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(where, "must be a number.")
    if isinstance(value, float) and not math.isfinite(value):
        raise _fail(where, "must be a finite number.")
    if abs(value) > 1e15:
        raise _fail(where, "is out of range (at most 1e15 in absolute value).")
    return value


def _choices(value: object, where: str) -> list[dict[str, str]]:
    if not isinstance(value, list) or not value:
        raise _fail(where, "choices must be a non-empty list.")
    if len(value) > MAX_CHOICES:
        raise _fail(where, f"at most {MAX_CHOICES} choices.")
    result, seen = [], set()
    for index, choice in enumerate(value):
        at = f"{where}, choice {index + 1}"
        if not isinstance(choice, dict) or "value" not in choice or set(choice) - {"value", "label"}:
            raise _fail(at, 'must be an object with "value" and an optional "label".')
        choice_value = _string(choice["value"], f"{at} value", limit=MAX_CHOICE_VALUE, allow_empty=False)
        if choice_value != choice_value.strip():
            raise _fail(at, "value must not start or end with spaces.")
        if choice_value in seen:
            raise _fail(at, f"duplicate value {choice_value!r}.")
        seen.add(choice_value)
        label = _string(choice.get("label", choice_value), f"{at} label", limit=MAX_LABEL, allow_empty=False)
        result.append({"value": choice_value, "label": label})
    return result


def _check_order(field: dict[str, Any], low: str, high: str, where: str) -> None:
    if low in field and high in field and field[low] > field[high]:
        raise _fail(where, f"{low} ({field[low]}) is greater than {high} ({field[high]}).")


def _text_rules(raw: dict[str, Any], field: dict[str, Any], where: str) -> None:
    limit = text_limit(field["type"])
    for key, minimum in (("min_length", 0), ("max_length", 1)):
        if key in raw:
            field[key] = _int(raw[key], f"{where} {key}", minimum=minimum, maximum=limit)
    _check_order(field, "min_length", "max_length", where)
    if "regex" in raw:
        pattern = _string(raw["regex"], f"{where} regex", limit=regexcheck.MAX_PATTERN, allow_empty=False)
        reason = regexcheck.problem(pattern)
        if reason:
            raise _fail(f"{where} regex", reason)
        if field.get("max_length", 0) > regexcheck.MAX_INPUT:
            raise _fail(where, f"with a regex, max_length is at most {regexcheck.MAX_INPUT}.")
        field["regex"] = pattern


def _number_rules(raw: dict[str, Any], field: dict[str, Any], where: str) -> None:
    for key in ("min", "max"):
        if key in raw:
            field[key] = _number(raw[key], f"{where} {key}")
    _check_order(field, "min", "max", where)


def _choice_rules(raw: dict[str, Any], field: dict[str, Any], where: str) -> None:
    if "choices" not in raw:
        raise _fail(where, "choices are missing.")
    field["choices"] = _choices(raw["choices"], where)
    if field["type"] == FieldType.MULTI_CHOICE:
        count = len(field["choices"])
        for key, minimum in (("min", 0), ("max", 1)):
            if key in raw:
                field[key] = _int(raw[key], f"{where} {key}", minimum=minimum, maximum=count)
        _check_order(field, "min", "max", where)


def _team_rules(raw: dict[str, Any], field: dict[str, Any], where: str) -> None:
    if "joinable_only" in raw:
        field["joinable_only"] = _bool(raw["joinable_only"], f"{where} joinable_only")


TYPE_RULES: dict[str, Callable[[dict[str, Any], dict[str, Any], str], None]] = {
    FieldType.TEXT: _text_rules,
    FieldType.LONG_TEXT: _text_rules,
    FieldType.NUMBER: _number_rules,
    FieldType.CHOICE: _choice_rules,
    FieldType.MULTI_CHOICE: _choice_rules,
    FieldType.TEAM: _team_rules,
}


def _field(raw: object, index: int) -> dict[str, Any]:
    where = f"Field {index + 1}"
    if not isinstance(raw, dict):
        raise _fail(where, "must be an object.")
    name = _string(raw.get("name"), f"{where} name", limit=50)
    if not NAME_RE.fullmatch(name):
        raise _fail(where, f"name {name!r} must be lower case letters, digits and _ and start with a letter.")
    where = f"Field {name!r}"
    field_type = raw.get("type")
    if not isinstance(field_type, str) or field_type not in TYPE_KEYS:
        raise _fail(where, f"unknown type {field_type!r}; use one of {', '.join(TYPE_KEYS)}.")
    unknown = sorted(str(key) for key in set(raw) - COMMON_KEYS - TYPE_KEYS[field_type])
    if unknown:
        raise _fail(where, f"unknown or misplaced keys for a {field_type} field: {', '.join(unknown)}.")
    field: dict[str, Any] = {
        "name": name,
        "label": _string(raw.get("label", name.replace("_", " ").capitalize()), f"{where} label", limit=MAX_LABEL),
        "type": field_type,
        "required": _bool(raw.get("required", False), f"{where} required"),
        "help_text": _string(raw.get("help_text", ""), f"{where} help_text", limit=MAX_HELP),
    }
    if not field["label"].strip():
        raise _fail(where, "label must not be empty.")
    rules = TYPE_RULES.get(field_type)
    if rules:
        rules(raw, field, where)
    return field


def _equals_problem(target: dict[str, Any], equals: object) -> str | None:
    """Why ``equals`` can never be the value of ``target``, or None when it can."""
    kind = target["type"]
    if kind == FieldType.BOOLEAN:
        return None if isinstance(equals, bool) else "must be true or false for a boolean field"
    if kind == FieldType.NUMBER:
        if isinstance(equals, bool) or not isinstance(equals, int | float) or not math.isfinite(equals):
            return "must be a number for a number field"
        low, high = target.get("min", -math.inf), target.get("max", math.inf)
        return None if low <= equals <= high else "is outside the field's bounds"
    if not isinstance(equals, str) or "\x00" in equals:
        return "must be a string"
    if kind in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
        values = {choice["value"] for choice in target["choices"]}
        return None if equals in values else "is not one of the field's choices"
    if kind == FieldType.DATE:
        try:
            dt.date.fromisoformat(equals)
        except ValueError:
            return "must be a date written YYYY-MM-DD"
        return None if len(equals) == 10 else "must be a date written YYYY-MM-DD"
    if not equals.strip() or equals != equals.strip():
        return "must be a non-empty value without surrounding spaces"
    return None if len(equals) <= text_limit(kind) else "is longer than the field allows"


def _show_if(raw: object, field: dict[str, Any], earlier: dict[str, dict[str, Any]]) -> dict[str, Any]:
    where = f"Field {field['name']!r} show_if"
    if not isinstance(raw, dict) or set(raw) != {"field", "equals"}:
        raise _fail(where, 'must be an object with exactly "field" and "equals".')
    target = earlier.get(raw["field"]) if isinstance(raw["field"], str) else None
    if target is None:
        raise _fail(where, f"{raw['field']!r} is not the name of an earlier field.")
    if "show_if" in target:
        # steward.js compares the target's raw input, so a chain of conditions would show fields
        # the server then drops; one level keeps browser and server in agreement.
        raise _fail(where, f"{target['name']!r} is itself conditional; point at an unconditional field.")
    problem = _equals_problem(target, raw["equals"])
    if problem:
        raise _fail(where, f"equals {raw['equals']!r} {problem}.")
    return {"field": target["name"], "equals": raw["equals"]}


def validate_definition(definition: object) -> dict[str, Any]:
    """The normalised form definition, or ValidationError saying why it cannot render or validate."""
    if not isinstance(definition, dict):
        raise ValidationError('A form definition must be an object like {"fields": [...]}.', code="invalid_definition")
    unknown = sorted(str(key) for key in set(definition) - {"fields"})
    if unknown:
        raise ValidationError(f"Unknown keys in the form definition: {', '.join(unknown)}.", code="invalid_definition")
    raw_fields = definition.get("fields", [])
    if not isinstance(raw_fields, list):
        raise ValidationError('"fields" must be a list.', code="invalid_definition")
    if len(raw_fields) > MAX_FIELDS:
        raise ValidationError(f"A form has at most {MAX_FIELDS} fields.", code="invalid_definition")
    fields: dict[str, dict[str, Any]] = {}
    for index, raw in enumerate(raw_fields):
        field = _field(raw, index)
        if field["name"] in fields:
            raise _fail(f"Field {index + 1}", f"duplicate name {field['name']!r}.")
        if "show_if" in raw:
            field["show_if"] = _show_if(raw["show_if"], field, fields)
        fields[field["name"]] = field
    return {"fields": list(fields.values())}
