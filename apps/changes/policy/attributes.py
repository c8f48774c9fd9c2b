"""The documented, typed attributes risk rules may use, with the default each takes when absent.

CEL has no type-checking phase in the ``common-expression-language`` package, so this table is the type
system: rule checking (apps.changes.policy.rules) generates values from it, and ``snapshot`` coerces
what services.scoring measures into these types before any rule sees it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

BOOL, INT, DOUBLE, STRING, STRING_LIST = "bool", "int", "double", "string", "list<string>"
MAX_INT = 10**9  # far above any real count, far below CEL's int64 overflow
MAX_LIST = 50


@dataclass(frozen=True)
class Attribute:
    name: str
    type: str
    default: Any
    description: str
    choices: tuple[str, ...] = ()
    low: int = 0
    high: int = MAX_INT


ATTRIBUTE_LIST: tuple[Attribute, ...] = (
    Attribute("change_type", STRING, "normal", "standard, normal or emergency", ("standard", "normal", "emergency")),
    Attribute("environment", STRING, "", "the environment's slug, e.g. production"),
    Attribute("is_production", BOOL, False, "the environment is production"),
    Attribute("service_count", INT, 1, "how many services the change touches", low=0, high=100),
    Attribute(
        "max_criticality",
        STRING,
        "medium",
        "highest criticality of its services",
        ("low", "medium", "high", "critical"),
    ),
    Attribute("criticality_rank", INT, 1, "max_criticality as a number: low 0, medium 1, high 2, critical 3", high=3),
    Attribute("diff_lines", INT, 0, "lines added plus removed"),
    Attribute("files_changed", INT, 0, "files the diff touches"),
    Attribute("paths", STRING_LIST, [], "paths the diff touches (capped list)"),
    Attribute("tests_passed", INT, 0, "tests that passed"),
    Attribute("tests_failed", INT, 0, "tests that failed"),
    Attribute("tests_skipped", INT, 0, "tests that were skipped"),
    Attribute("has_rollback_plan", BOOL, False, "a rollback plan is written"),
    Attribute("has_test_evidence", BOOL, False, "test links or a test summary are attached"),
    Attribute("start_weekday", INT, 0, "planned start's weekday in the owner team's time zone, 0 = Monday", high=6),
    Attribute("start_hour", INT, 12, "planned start's hour (0-23) in the owner team's time zone", high=23),
    Attribute("duration_minutes", INT, 60, "length of the planned window in minutes"),
    Attribute("in_maintenance_window", BOOL, False, "the planned window lies inside a maintenance window"),
    Attribute("by_pipeline", BOOL, False, "opened by a CI pipeline"),
    Attribute("service_changes_30d", INT, 0, "changes to its services in the last 30 days"),
    Attribute("service_failure_rate_30d", DOUBLE, 0.0, "highest change failure rate of its services, 0.0-1.0"),
    Attribute("open_incidents", INT, 0, "open incidents on its services (0 until incidents exist)"),
)
ATTRIBUTES: dict[str, Attribute] = {attribute.name: attribute for attribute in ATTRIBUTE_LIST}


def coerce(attribute: Attribute, value: Any) -> Any:
    """``value`` in the attribute's type, or its default when absent or of another type."""
    if value is None:
        return attribute.default
    kind = attribute.type
    if kind == BOOL:
        return value if isinstance(value, bool) else attribute.default
    if kind == INT and isinstance(value, int) and not isinstance(value, bool):
        return min(max(value, attribute.low), attribute.high)
    if kind == DOUBLE and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if kind == STRING and isinstance(value, str):
        return value
    if kind == STRING_LIST and isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, str)][:MAX_LIST]
    return attribute.default


def snapshot(values: Mapping[str, Any]) -> dict[str, Any]:
    """Every attribute, typed: the measured value where given, else the declared default. Unknown keys dropped."""
    return {name: coerce(attribute, values.get(name)) for name, attribute in ATTRIBUTES.items()}


def sample_values(attribute: Attribute) -> list[Any]:
    """Edge values of the attribute's type that rule checking evaluates every rule against."""
    if attribute.type == BOOL:
        return [False, True]
    if attribute.type == INT:
        return sorted({attribute.low, attribute.low + 1, attribute.default, attribute.high})
    if attribute.type == DOUBLE:
        return [0.0, 0.5, 1.0]
    if attribute.type == STRING:
        return list(attribute.choices) or ["", "production", "x" * 60]
    return [[], ["src/app.py"], ["db/migrations/0001.sql", "infra/main.tf", "README.md"]]


def example_rule(attribute: Attribute) -> str:
    """A rule over the attribute that rule checking accepts: what the editor shows as its example."""
    name = attribute.name
    if attribute.type == BOOL:
        return name
    if attribute.type == INT:
        bound = {"start_hour": 18, "start_weekday": 5, "criticality_rank": 3}.get(name, max(attribute.default, 0) + 5)
        return f"{name} >= {bound}"
    if attribute.type == DOUBLE:
        return f"{name} > 0.2"
    if attribute.type == STRING:
        return f"{name} == '{attribute.choices[-1] if attribute.choices else 'production'}'"
    return f"{name}.exists(p, p.startsWith('db/migrations/'))"


def _fits(attribute: Attribute, value: Any) -> bool:
    if value is None or coerce(attribute, value) != value:
        return False
    if attribute.type == DOUBLE:
        return bool(0.0 <= value <= 1.0)
    return not (attribute.choices and value not in attribute.choices)


def value_errors(values: Mapping[str, Any]) -> dict[str, str]:
    """Per given attribute, why its value cannot stand (unknown name, other type, out of range); {} when all fit."""
    errors = {}
    for name, value in values.items():
        attribute = ATTRIBUTES.get(name)
        if attribute is None:
            errors[name] = "Not a documented attribute."
        elif not _fits(attribute, value):
            expected = attribute.type
            if attribute.type == INT:
                expected += f" from {attribute.low} to {attribute.high}"
            if attribute.choices:
                expected += f" (one of {', '.join(attribute.choices)})"
            errors[name] = f"Expected {expected}, got {value!r}."
    return errors
