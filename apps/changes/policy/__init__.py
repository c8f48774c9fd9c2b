"""The risk-policy engine: typed attributes, rule checking and scoring. Imports no model of its callers."""

from apps.changes.policy.attributes import ATTRIBUTES, snapshot
from apps.changes.policy.engine import Assessment, PolicySpec, RuleSpec, assess, tier_for_score
from apps.changes.policy.rules import rule_check

__all__ = ["ATTRIBUTES", "Assessment", "PolicySpec", "RuleSpec", "assess", "rule_check", "snapshot", "tier_for_score"]
