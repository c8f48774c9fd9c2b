"""Scoring an attribute snapshot against a policy: pure, knows nothing of changes or the database.

A rule that fails at run time (an engine error, or a result that is not a bool) never crashes scoring and
never makes a change look safer: it adds max(weight, 0), is reported with its error, and forces the tier
to at least medium, standard changes included. A required check that fails to evaluate counts as failing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from apps.changes.choices import TIER_RANK, ChangeType, Tier
from apps.changes.policy.attributes import snapshot
from apps.changes.policy.rules import evaluate, rule_attributes


@dataclass(frozen=True)
class RuleSpec:
    name: str
    expression: str
    weight: int = 0


@dataclass(frozen=True)
class PolicySpec:
    """A policy as data: what services.scoring reads from RiskPolicy and its rules."""

    version: int
    rules: tuple[RuleSpec, ...] = ()
    checks: tuple[RuleSpec, ...] = ()
    medium_from: int = 30
    high_from: int = 60


@dataclass(frozen=True)
class Assessment:
    score: int
    tier: str
    policy_version: int
    attributes: dict[str, Any]
    rules_fired: list[dict[str, Any]] = field(default_factory=list)
    checks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(rule.get("error") for rule in self.rules_fired)

    @property
    def checks_pass(self) -> bool:
        return all(check["passed"] for check in self.checks)


def tier_for_score(score: int, *, medium_from: int, high_from: int) -> str:
    """The band ``score`` falls in: monotonic, since the bands are ordered (medium_from < high_from)."""
    if score >= high_from:
        return Tier.HIGH
    if score >= medium_from:
        return Tier.MEDIUM
    return Tier.LOW


def max_tier(*tiers: str) -> str:
    return max(tiers, key=lambda tier: TIER_RANK[Tier(tier)])


def run_rule(expression: str, context: dict[str, Any]) -> tuple[bool | None, str]:
    """(result, "") when the rule returns a bool; (None, message) when it fails in any way."""
    try:
        result = evaluate(expression, context)
    except Exception as exc:  # noqa: BLE001  # a failing rule is data to report, never a crash
        return None, f"{type(exc).__name__}: {exc}"[:500]
    if not isinstance(result, bool):
        return None, f"returned {type(result).__name__}, not true or false"
    return result, ""


def _score_rules(policy: PolicySpec, context: dict[str, Any]) -> tuple[int, list[dict[str, Any]]]:
    score, fired = 0, []
    for rule in policy.rules:
        result, error = run_rule(rule.expression, context)
        if error:
            contribution = max(rule.weight, 0)
        elif result:
            contribution = rule.weight
        else:
            continue
        score += contribution
        entry = {"name": rule.name, "expression": rule.expression, "weight": rule.weight, "contribution": contribution}
        entry["saw"] = {name: context[name] for name in rule_attributes(rule.expression)}  # why it fired
        fired.append({**entry, "error": error} if error else entry)
    return score, fired


def _run_checks(policy: PolicySpec, context: dict[str, Any]) -> list[dict[str, Any]]:
    checks = []
    for check in policy.checks:
        result, error = run_rule(check.expression, context)
        checks.append({"name": check.name, "expression": check.expression, "passed": result is True, "error": error})
    return checks


def assess(policy: PolicySpec, values: Mapping[str, Any]) -> Assessment:
    """Score ``values`` (completed with the attributes' defaults) and place the change in a tier."""
    context = snapshot(values)
    score, fired = _score_rules(policy, context)
    tier = tier_for_score(score, medium_from=policy.medium_from, high_from=policy.high_from)
    if context["change_type"] == ChangeType.STANDARD:
        tier = Tier.LOW  # pre-approved models; only a freeze (not a rule) stops them
    if any(rule.get("error") for rule in fired):
        tier = max_tier(tier, Tier.MEDIUM)
    return Assessment(
        score=score,
        tier=tier,
        policy_version=policy.version,
        attributes=context,
        rules_fired=fired,
        checks=_run_checks(policy, context),
    )
