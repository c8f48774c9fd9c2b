"""Fixtures of the changes tests: environments, a service owned by ``owner_team``, the active policy, a board."""

import datetime as dt

import pytest
from django.utils import timezone

from apps.accounts.models import User
from apps.changes.models import AdvisoryBoard
from apps.changes.services import ChangeData, change_create
from tests.changes.factories import EnvironmentFactory, PolicyRuleFactory, RiskPolicyFactory
from tests.factories import ServiceFactory, TeamFactory, UserFactory

RULES = [
    ("production", "is_production", 40, "score"),
    ("failing tests", "tests_failed > 0", 40, "score"),
    ("big diff", "diff_lines > 500", 25, "score"),
    ("maintenance", "in_maintenance_window", -30, "score"),
    ("tests green", "tests_failed == 0", 0, "check"),
    ("rollback plan", "has_rollback_plan", 0, "check"),
]


@pytest.fixture
def production(db):
    return EnvironmentFactory(slug="production", name="Production", is_production=True)


@pytest.fixture
def staging(db):
    return EnvironmentFactory(slug="staging", name="Staging")


@pytest.fixture
def policy(db):
    """Active policy v1: production 40, failing tests 40, big diff 25, maintenance -30; medium >= 30, high >= 60."""
    policy = RiskPolicyFactory(version=1, medium_from=30, high_from=60)
    for position, (name, expression, weight, kind) in enumerate(RULES):
        PolicyRuleFactory(policy=policy, name=name, expression=expression, weight=weight, kind=kind, position=position)
    return policy


@pytest.fixture
def service(owner_team, policy):
    return ServiceFactory(slug="payments", name="Payments", owner_team=owner_team, criticality="high")


@pytest.fixture
def other_service(other_team, policy):
    return ServiceFactory(slug="search", name="Search", owner_team=other_team)


@pytest.fixture
def board_member(db):
    team = TeamFactory(slug="cab", name="Change advisory board")
    AdvisoryBoard.objects.create(team=team)
    return UserFactory(username="cab-member", roles=["Managers"], member_of=[team])


@pytest.fixture
def pipeline(owner_team):
    return User.objects.create(username="ci-pipeline", is_service_account=True, owner_team=owner_team)


@pytest.fixture
def make_change(owner, service, staging):
    """``make_change(**fields)``: a change opened through the service (scored and routed), by ``owner``."""

    def make(requester=None, submit=True, **fields):
        now = timezone.now()
        fields.setdefault("title", "Deploy payments")
        fields.setdefault("services", [service])
        fields.setdefault("environment", staging)
        fields.setdefault("planned_start", now - dt.timedelta(minutes=1))
        fields.setdefault("planned_end", now + dt.timedelta(hours=1))
        return change_create(requester=requester or owner, data=ChangeData(**fields), submit=submit)

    return make
