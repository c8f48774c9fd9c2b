"""Checking a form definition before it is saved: anything accepted here can render and validate answers.

Every refusal is a ``DefinitionProblem``: its message names the field ("Field 'size' min: ...") for the
admin and the import, and its ``path`` (``("fields", 2, "min")``, as a JSON pointer ``/fields/2/min``) lets the
catalog builder put the reason next to the input it is about. Each field is checked on its own, so one
definition may give a problem per field.
"""

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
    FieldType.DATE: {"not_before_today"},
    FieldType.NUMBER: {"min", "max"},
    FieldType.BOOLEAN: set(),
    FieldType.USER: set(),
    FieldType.TEAM: {"joinable_only"},
}

Path = tuple[str | int, ...]


class DefinitionProblem(ValidationError):
    """One reason a definition is refused: ``message`` says where in words, ``reason`` without the where,
    ``path`` the keys and list indexes that lead to the value at fault."""

    def __init__(self, message: str, *, path: Path = (), reason: str = "") -> None:
        super().__init__(message, code="invalid_definition")
        self.path = path
        self.reason = reason or message

    @property
    def pointer(self) -> str:
        """The path as a JSON pointer (RFC 6901): ``/fields/2/choices/0/value``; ``""`` for the whole form."""
        return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in self.path)


def text_limit(field_type: str) -> int:
    return LONG_TEXT_LIMIT if field_type == FieldType.LONG_TEXT else TEXT_LIMIT


def _fail(where: str, reason: str, path: Path) -> DefinitionProblem:
    return DefinitionProblem(f"{where}: {reason}", path=path, reason=reason)


def _string(value: object, where: str, path: Path, *, limit: int, allow_empty: bool = True) -> str:
    if not isinstance(value, str):
        raise _fail(where, "must be a string.", path)
    if "\x00" in value:
        raise _fail(where, "must not contain NUL characters.", path)
    if len(value) > limit:
        raise _fail(where, f"must be at most {limit} characters.", path)
    if not allow_empty and not value.strip():
        raise _fail(where, "must not be empty.", path)
    return value


def _bool(value: object, where: str, path: Path) -> bool:
    if not isinstance(value, bool):
        raise _fail(where, "must be true or false.", path)
    return value


def _int(value: object, where: str, path: Path, *, minimum: int = 0, maximum: int = LONG_TEXT_LIMIT) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(where, "must be a whole number.", path)
    if not minimum <= value <= maximum:
        raise _fail(where, f"must be between {minimum} and {maximum}.", path)
    return value


def _number(value: object, where: str, path: Path) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(where, "must be a number.", path)
    if isinstance(value, float) and not math.isfinite(value):
        raise _fail(where, "must be a finite number.", path)
    if abs(value) > 1e15:
        raise _fail(where, "is out of range (at most 1e15 in absolute value).", path)
    return value


def _choices(value: object, where: str, path: Path) -> list[dict[str, str]]:
    if not isinstance(value, list) or not value:
        raise _fail(where, "choices must be a non-empty list.", path)
    if len(value) > MAX_CHOICES:
        raise _fail(where, f"at most {MAX_CHOICES} choices.", path)
    result, seen = [], set()
    for index, choice in enumerate(value):
        at, here = f"{where}, choice {index + 1}", (*path, index)
        if not isinstance(choice, dict) or "value" not in choice or set(choice) - {"value", "label"}:
            raise _fail(at, 'must be an object with "value" and an optional "label".', here)
        choice_value = _string(
            choice["value"], f"{at} value", (*here, "value"), limit=MAX_CHOICE_VALUE, allow_empty=False
        )
        if choice_value != choice_value.strip():
            raise _fail(at, "value must not start or end with spaces.", (*here, "value"))
        if choice_value in seen:
            raise _fail(at, f"duplicate value {choice_value!r}.", (*here, "value"))
        seen.add(choice_value)
        label = _string(
            choice.get("label", choice_value), f"{at} label", (*here, "label"), limit=MAX_LABEL, allow_empty=False
        )
        result.append({"value": choice_value, "label": label})
    return result


def _check_order(field: dict[str, Any], low: str, high: str, where: str, path: Path) -> None:
    if low in field and high in field and field[low] > field[high]:
        raise _fail(where, f"{low} ({field[low]}) is greater than {high} ({field[high]}).", (*path, low))


def _text_rules(raw: dict[str, Any], field: dict[str, Any], where: str, path: Path) -> None:
    limit = text_limit(field["type"])
    for key, minimum in (("min_length", 0), ("max_length", 1)):
        if key in raw:
            field[key] = _int(raw[key], f"{where} {key}", (*path, key), minimum=minimum, maximum=limit)
    _check_order(field, "min_length", "max_length", where, path)
    if "regex" in raw:
        at = (*path, "regex")
        pattern = _string(raw["regex"], f"{where} regex", at, limit=regexcheck.MAX_PATTERN, allow_empty=False)
        reason = regexcheck.problem(pattern)
        if reason:
            raise _fail(f"{where} regex", reason, at)
        if field.get("max_length", 0) > regexcheck.MAX_INPUT:
            raise _fail(where, f"with a regex, max_length is at most {regexcheck.MAX_INPUT}.", (*path, "max_length"))
        field["regex"] = pattern


def _number_rules(raw: dict[str, Any], field: dict[str, Any], where: str, path: Path) -> None:
    for key in ("min", "max"):
        if key in raw:
            field[key] = _number(raw[key], f"{where} {key}", (*path, key))
    _check_order(field, "min", "max", where, path)


def _choice_rules(raw: dict[str, Any], field: dict[str, Any], where: str, path: Path) -> None:
    if "choices" not in raw:
        raise _fail(where, "choices are missing.", (*path, "choices"))
    field["choices"] = _choices(raw["choices"], where, (*path, "choices"))
    if field["type"] == FieldType.MULTI_CHOICE:
        count = len(field["choices"])
        for key, minimum in (("min", 0), ("max", 1)):
            if key in raw:
                field[key] = _int(raw[key], f"{where} {key}", (*path, key), minimum=minimum, maximum=count)
        _check_order(field, "min", "max", where, path)


def _team_rules(raw: dict[str, Any], field: dict[str, Any], where: str, path: Path) -> None:
    if "joinable_only" in raw:
        field["joinable_only"] = _bool(raw["joinable_only"], f"{where} joinable_only", (*path, "joinable_only"))


def _date_rules(raw: dict[str, Any], field: dict[str, Any], where: str, path: Path) -> None:
    # For answers that mean "needed by", "starts on", "until": a day already gone cannot be met.
    if "not_before_today" in raw:
        at = (*path, "not_before_today")
        if _bool(raw["not_before_today"], f"{where} not_before_today", at):
            field["not_before_today"] = True


TYPE_RULES: dict[str, Callable[[dict[str, Any], dict[str, Any], str, Path], None]] = {
    FieldType.TEXT: _text_rules,
    FieldType.LONG_TEXT: _text_rules,
    FieldType.NUMBER: _number_rules,
    FieldType.CHOICE: _choice_rules,
    FieldType.MULTI_CHOICE: _choice_rules,
    FieldType.TEAM: _team_rules,
    FieldType.DATE: _date_rules,
}


def _field(raw: object, index: int) -> dict[str, Any]:
    where, path = f"Field {index + 1}", ("fields", index)
    if not isinstance(raw, dict):
        raise _fail(where, "must be an object.", path)
    name = _string(raw.get("name"), f"{where} name", (*path, "name"), limit=50)
    if not NAME_RE.fullmatch(name):
        reason = f"name {name!r} must be lower case letters, digits and _ and start with a letter."
        raise _fail(where, reason, (*path, "name"))
    where = f"Field {name!r}"
    field_type = raw.get("type")
    if not isinstance(field_type, str) or field_type not in TYPE_KEYS:
        raise _fail(where, f"unknown type {field_type!r}; use one of {', '.join(TYPE_KEYS)}.", (*path, "type"))
    unknown = sorted(str(key) for key in set(raw) - COMMON_KEYS - TYPE_KEYS[field_type])
    if unknown:
        reason = f"unknown or misplaced keys for a {field_type} field: {', '.join(unknown)}."
        raise _fail(where, reason, (*path, unknown[0]))
    label = raw.get("label", name.replace("_", " ").capitalize())
    field: dict[str, Any] = {
        "name": name,
        "label": _string(label, f"{where} label", (*path, "label"), limit=MAX_LABEL),
        "type": field_type,
        "required": _bool(raw.get("required", False), f"{where} required", (*path, "required")),
        "help_text": _string(raw.get("help_text", ""), f"{where} help_text", (*path, "help_text"), limit=MAX_HELP),
    }
    if not field["label"].strip():
        raise _fail(where, "label must not be empty.", (*path, "label"))
    rules = TYPE_RULES.get(field_type)
    if rules:
        rules(raw, field, where, path)
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


def _show_if(raw: object, field: dict[str, Any], earlier: dict[str, dict[str, Any]], path: Path) -> dict[str, Any]:
    where, path = f"Field {field['name']!r} show_if", (*path, "show_if")
    if not isinstance(raw, dict) or set(raw) != {"field", "equals"}:
        raise _fail(where, 'must be an object with exactly "field" and "equals".', path)
    target = earlier.get(raw["field"]) if isinstance(raw["field"], str) else None
    if target is None:
        raise _fail(where, f"{raw['field']!r} is not the name of an earlier field.", (*path, "field"))
    if "show_if" in target:
        # steward.js compares the target's raw input, so a chain of conditions would show fields
        # the server then drops; one level keeps browser and server in agreement.
        reason = f"{target['name']!r} is itself conditional; point at an unconditional field."
        raise _fail(where, reason, (*path, "field"))
    problem = _equals_problem(target, raw["equals"])
    if problem:
        raise _fail(where, f"equals {raw['equals']!r} {problem}.", (*path, "equals"))
    return {"field": target["name"], "equals": raw["equals"]}


def _root_problem(definition: object) -> DefinitionProblem | None:
    if not isinstance(definition, dict):
        return DefinitionProblem('A form definition must be an object like {"fields": [...]}.')
    unknown = sorted(str(key) for key in set(definition) - {"fields"})
    if unknown:
        return DefinitionProblem(f"Unknown keys in the form definition: {', '.join(unknown)}.", path=(unknown[0],))
    raw_fields = definition.get("fields", [])
    if not isinstance(raw_fields, list):
        return DefinitionProblem('"fields" must be a list.', path=("fields",))
    if len(raw_fields) > MAX_FIELDS:
        return DefinitionProblem(f"A form has at most {MAX_FIELDS} fields.", path=("fields",))
    return None


def _checked_field(
    raw: object, index: int, fields: dict[str, dict[str, Any]], broken: set[str]
) -> dict[str, Any] | None:
    """One field checked against the fields before it; DefinitionProblem when it is refused."""
    field = _field(raw, index)
    if field["name"] in fields or field["name"] in broken:
        raise _fail(f"Field {index + 1}", f"duplicate name {field['name']!r}.", ("fields", index, "name"))
    if isinstance(raw, dict) and "show_if" in raw:  # _field refused anything but a dict
        target = raw["show_if"].get("field") if isinstance(raw["show_if"], dict) else None
        if isinstance(target, str) and target in broken:
            return None  # the earlier field's own problem is the one to show
        field["show_if"] = _show_if(raw["show_if"], field, fields, ("fields", index))
    return field


def definition_problems(definition: object) -> tuple[dict[str, Any] | None, list[DefinitionProblem]]:
    """The normalised definition and no problems, or None and every problem found (at most one per field)."""
    root = _root_problem(definition)
    if root is not None:
        return None, [root]
    if not isinstance(definition, dict):  # _root_problem refused it already; this tells mypy
        return None, []
    fields: dict[str, dict[str, Any]] = {}
    broken: set[str] = set()
    problems: list[DefinitionProblem] = []
    for index, raw in enumerate(definition.get("fields", [])):
        try:
            field = _checked_field(raw, index, fields, broken)
        except DefinitionProblem as problem:
            problems.append(problem)
            field = None
        if field is None:
            name = raw.get("name") if isinstance(raw, dict) else None
            if isinstance(name, str) and name not in fields:
                broken.add(name)
            continue
        fields[field["name"]] = field
    if problems:
        return None, problems
    return {"fields": list(fields.values())}, []


def validate_definition(definition: object) -> dict[str, Any]:
    """The normalised form definition, or ValidationError (a list of DefinitionProblem) saying why it cannot
    render or validate."""
    normalised, problems = definition_problems(definition)
    if problems or normalised is None:
        raise ValidationError(list(problems))
    return normalised
