"""The demo's risk policy v1 as a sealed version: written as a draft (rules checked, test cases that pass),
then activated once as the initial version. Idempotent: a version already activated is left alone."""

from __future__ import annotations

from apps.accounts.models import User
from apps.changes.models import RiskPolicy
from apps.changes.services.policies import policy_rule_save
from apps.changes.services.versions import policy_seal_initial, policy_test_case_save
from apps.demo import change_data

# name -> (attributes that differ from the defaults, expected tier); they pass under change_data.RULES.
TEST_CASES: dict[str, tuple[dict[str, object], str]] = {
    "quiet staging change": ({"environment": "staging", "has_rollback_plan": True, "tests_passed": 120}, "low"),
    "production with a rollback plan": (
        {"environment": "production", "is_production": True, "has_rollback_plan": True},
        "medium",
    ),
    "failing tests in production": (
        {"environment": "production", "is_production": True, "has_rollback_plan": True, "tests_failed": 3},
        "high",
    ),
    "critical service, no rollback plan": ({"max_criticality": "critical", "criticality_rank": 3}, "medium"),
    "standard change stays low": ({"change_type": "standard", "is_production": True, "tests_failed": 1}, "low"),
}


def seed_policy(actor: User) -> RiskPolicy:
    spec = change_data.POLICY
    policy = RiskPolicy.objects.filter(version=spec["version"]).first()
    if policy is not None and (policy.activated_at is not None or policy.is_active):
        return policy
    if policy is None:
        policy = RiskPolicy.objects.create(created_by=actor, **spec)
    for position, (name, (kind, expression, weight, description)) in enumerate(change_data.RULES.items()):
        policy_rule_save(
            policy=policy, name=name, expression=expression, weight=weight, kind=kind, position=position,
            description=description, actor=actor,
        )  # fmt: skip
    for name, (attributes, tier) in TEST_CASES.items():
        policy_test_case_save(policy=policy, actor=actor, name=name, attributes=attributes, expected_tier=tier)
    if RiskPolicy.objects.filter(activated_at__isnull=False).exists():
        return policy  # another version is already in force: v1 stays a draft
    return policy_seal_initial(policy=policy)
