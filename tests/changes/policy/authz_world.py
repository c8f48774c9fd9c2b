"""The risk-policy objects of the authorization matrix's world (tests/authz/world.py calls ``add_policies``):
the active v1 (sealed, with a test case and a finished back-test) and a draft v2 that ``manager`` wrote, so
that the admin may activate it and the manager may not (four eyes)."""

from django.utils import timezone

from apps.changes.models import PolicyBacktest
from apps.changes.services.versions import policy_draft
from tests.changes.policy.conftest import make_sealed


def add_policies(world) -> None:
    v1 = make_sealed(1)
    draft = policy_draft(source=v1, actor=world.users["manager"])
    world.objects["policy_v1"] = v1
    world.objects["policy_draft"] = draft
    world.objects["policy_rule"] = draft.rules.get(name="big diff")
    world.objects["policy_case"] = draft.test_cases.get()
    world.objects["policy_backtest"] = PolicyBacktest.objects.create(
        policy=v1, status="done", since=timezone.now(), matrix={}, before={}, after={}, moved=[]
    )
