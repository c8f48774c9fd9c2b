"""Fixtures of the policy-authoring tests: two managers, an end user, a sealed active v1 and a draft v2."""

import pytest
from django.utils import timezone

from apps.changes.models import PolicyRule, PolicyTestCase, RiskPolicy
from tests.factories import UserFactory

V1_RULES = [
    ("production", "is_production", 40, "score"),
    ("failing tests", "tests_failed > 0", 40, "score"),
    ("big diff", "diff_lines > 500", 25, "score"),
    ("tests green", "tests_failed == 0", 0, "check"),
]


@pytest.fixture
def author(db):
    return UserFactory(username="author-mgr", roles=["Managers"])


@pytest.fixture
def reviewer(db):
    return UserFactory(username="reviewer-mgr", roles=["Managers"])


@pytest.fixture
def end_user(db):
    return UserFactory(username="end-user")


def make_sealed(version: int = 1, *, rules=V1_RULES, active: bool = True) -> RiskPolicy:
    """A version as activation leaves it: rules and a test case written while a draft, then stamped."""
    policy = RiskPolicy.objects.create(name="Default", version=version, medium_from=30, high_from=60)
    for position, (name, expression, weight, kind) in enumerate(rules):
        PolicyRule.objects.create(policy=policy, name=name, expression=expression, weight=weight, kind=kind,
                                  position=position)  # fmt: skip
    PolicyTestCase.objects.create(policy=policy, name="prod is medium", attributes={"is_production": True},
                                  expected_tier="medium")  # fmt: skip
    RiskPolicy.objects.filter(pk=policy.pk).update(activated_at=timezone.now(), is_active=active)
    policy.refresh_from_db()
    return policy


@pytest.fixture
def v1(db):
    return make_sealed(1)


@pytest.fixture
def draft(v1, author):
    from apps.changes.services.versions import policy_draft

    return policy_draft(source=v1, actor=author)
