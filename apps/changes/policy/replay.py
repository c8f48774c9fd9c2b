"""Scoring many snapshots with one policy fast: what the back-test replays history with.

``Replayer.tier`` answers what ``engine.assess`` answers (tests/changes/policy/test_replay.py compares them
on generated attribute sets), at a fraction of the cost: each rule is compiled once, sees only the
attributes it names (handing the engine a 22-key context costs ~18 µs per call, a 2-key one ~1 µs), and
its result is remembered per tuple of those values, since a CEL expression is a pure function of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import cel

from apps.changes.choices import ChangeType, Tier
from apps.changes.policy.attributes import ATTRIBUTES, BOOL, DOUBLE, INT, STRING, STRING_LIST, Attribute, coerce
from apps.changes.policy.engine import PolicySpec, max_tier, tier_for_score
from apps.changes.policy.rules import rule_attributes

MEMO_LIMIT = 50_000  # results remembered per rule; beyond it a rule is evaluated every time


PYTHON_TYPES: dict[str, type] = {BOOL: bool, INT: int, DOUBLE: float, STRING: str}


def _within(attribute: Attribute, value: Any) -> bool:
    return attribute.low <= value <= attribute.high


@dataclass
class _Compiled:
    name: str
    weight: int
    names: tuple[str, ...]
    program: cel.Program | None
    error: str
    memo: dict[Any, tuple[bool | None, str]]

    def __post_init__(self) -> None:
        # The memo key: the rule's values as one hashable item (lists are read from the frozen context).
        self.key: Callable[[Mapping[str, Any]], Any] = itemgetter(*self.names) if self.names else lambda _: ()

    def run(self, context: Mapping[str, Any], frozen: Mapping[str, Any]) -> tuple[bool | None, str]:
        """(result, "") or (None, the engine's message): engine.run_rule's answer."""
        key = self.key(frozen)
        found = self.memo.get(key)
        if found is None:
            found = self._evaluate({name: context[name] for name in self.names})
            if len(self.memo) < MEMO_LIMIT:
                self.memo[key] = found
        return found

    def _evaluate(self, context: dict[str, Any]) -> tuple[bool | None, str]:
        if self.program is None:
            return None, self.error
        try:
            result = self.program.execute(context)
        except Exception as exc:  # noqa: BLE001  # as engine.run_rule: a failing rule is data, never a crash
            return None, f"{type(exc).__name__}: {exc}"[:500]
        if not isinstance(result, bool):
            return None, f"returned {type(result).__name__}, not true or false"
        return result, ""


def _compile(name: str, expression: str, weight: int) -> _Compiled:
    names = rule_attributes(expression)
    try:
        program, error = cel.compile(expression), ""
    except Exception as exc:  # noqa: BLE001  # an uncompilable stored rule fails like engine.run_rule reports
        program, error = None, f"{type(exc).__name__}: {exc}"[:500]
    return _Compiled(name, weight, names, program, error, {})


@dataclass(frozen=True)
class Outcome:
    score: int
    tier: str
    fired: tuple[str, ...]


class Replayer:
    """One policy, compiled once, scoring any number of attribute snapshots."""

    def __init__(self, policy: PolicySpec) -> None:
        self.policy = policy
        self.rules = [_compile(rule.name, rule.expression, rule.weight) for rule in policy.rules]
        wanted = {"change_type", *(name for rule in self.rules for name in rule.names)}
        self.attributes = [ATTRIBUTES[name] for name in ATTRIBUTES if name in wanted]
        self.lists = [a.name for a in self.attributes if a.type == STRING_LIST]

    def _context(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` typed as attributes.snapshot types them, the attributes no rule reads left out. A stored
        snapshot is already typed: the exact-type test skips the full coercion for nearly every value."""
        context = {}
        for attribute in self.attributes:
            value: Any = values.get(attribute.name)
            expected = PYTHON_TYPES.get(attribute.type)
            if type(value) is not expected or (expected is int and not _within(attribute, value)):
                value = coerce(attribute, value)
            context[attribute.name] = value
        return context

    def outcome(self, values: Mapping[str, Any]) -> Outcome:
        """Score, tier and fired rules of ``values`` (a stored snapshot, completed with the defaults)."""
        context = self._context(values)
        frozen = {**context, **{name: tuple(context[name]) for name in self.lists}} if self.lists else context
        score, fired, failed = 0, [], False
        for rule in self.rules:
            result, error = rule.run(context, frozen)
            if error:
                score, failed = score + max(rule.weight, 0), True
            elif result:
                score += rule.weight
            else:
                continue
            fired.append(rule.name)
        tier = tier_for_score(score, medium_from=self.policy.medium_from, high_from=self.policy.high_from)
        if context["change_type"] == ChangeType.STANDARD:
            tier = Tier.LOW
        if failed:
            tier = max_tier(tier, Tier.MEDIUM)
        return Outcome(score, str(tier), tuple(fired))
