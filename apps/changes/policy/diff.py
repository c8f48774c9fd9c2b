"""What changed between two policy versions: rules added, removed and changed, bands moved."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

RULE_FIELDS = ("kind", "expression", "weight", "description")


@dataclass(frozen=True)
class RuleChange:
    name: str
    before: dict[str, Any]
    after: dict[str, Any]

    @property
    def fields(self) -> list[str]:
        return [name for name in RULE_FIELDS if self.before.get(name) != self.after.get(name)]


@dataclass
class PolicyDiff:
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[RuleChange] = field(default_factory=list)
    bands: dict[str, tuple[int, int]] = field(default_factory=dict)  # band -> (before, after), moved ones only

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.bands)


def policy_diff(
    before_rules: list[dict[str, Any]],
    after_rules: list[dict[str, Any]],
    before_bands: dict[str, int],
    after_bands: dict[str, int],
) -> PolicyDiff:
    """Rules are matched by name (unique within a version); each rule is a dict with RULE_FIELDS and name."""
    old = {rule["name"]: rule for rule in before_rules}
    new = {rule["name"]: rule for rule in after_rules}
    diff = PolicyDiff(
        added=[rule for name, rule in new.items() if name not in old],
        removed=[rule for name, rule in old.items() if name not in new],
    )
    for name in old.keys() & new.keys():
        change = RuleChange(name, old[name], new[name])
        if change.fields:
            diff.changed.append(change)
    diff.changed.sort(key=lambda change: change.name)
    diff.bands = {
        band: (before_bands[band], after_bands[band])
        for band in before_bands
        if before_bands[band] != after_bands[band]
    }
    return diff
