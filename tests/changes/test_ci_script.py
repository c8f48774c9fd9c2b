"""ci/steward-change.sh against a live test server: go at once, wait then go after a peer approves, no-go in a freeze.

The script runs as a pipeline would (a subprocess, curl, python3, GitHub Actions variables); the test
plays the people: it approves from its own thread while the script polls the gate.
"""

import datetime as dt
import os
import shutil

import pytest
from django.utils import timezone

from apps.accounts.services import token_create
from apps.changes.models import Change, StandardChangeTemplate
from apps.changes.services import change_decide
from tests.changes.ciscript import finish, read_until, run
from tests.changes.factories import WindowFactory
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("curl"), reason="the ci/ script needs curl"),
]


@pytest.fixture
def ci_env(live_server, pipeline, teammate, tmp_path):
    """What a GitHub Actions job would have, plus Steward's settings; nothing from the real environment's CI."""
    key = token_create(user=pipeline, name="ci", scopes=["changes"], access="write")[1]
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "STEWARD_URL": live_server.url,
        "STEWARD_TOKEN": key,
        "STEWARD_POLL_MAX": "1",
        "STEWARD_GATE_TIMEOUT": "60",
        "GITHUB_RUN_ID": "4242",
        "GITHUB_RUN_ATTEMPT": "1",
        "GITHUB_ACTOR": "teammate",
        "GITHUB_SHA": "ab" * 20,
        "GITHUB_REPOSITORY": "acme/payments",
        "GITHUB_WORKFLOW": "deploy",
    }


def test_a_low_risk_standard_change_goes_at_once_deploys_and_reports_success(ci_env, service, staging, tmp_path):
    template = StandardChangeTemplate.objects.create(name="Flag flip", slug="flag-flip")
    template.services.set([service])
    marker = tmp_path / "deployed"

    code, output = finish(run(ci_env, marker, STEWARD_ENVIRONMENT="staging", STEWARD_TEMPLATE="flag-flip"))

    assert code == 0, output
    assert "tier low" in output and "gate: go" in output and "gate: wait" not in output
    assert marker.read_text() == "deployed\n"
    change = Change.objects.get()
    assert change.status == "completed" and change.outcome == "succeeded" and change.gate_go_at is not None
    assert (change.ci_system, change.ci_run_id, change.ci_actor_login) == ("github", "4242", "teammate")


def test_a_medium_change_waits_then_goes_once_a_peer_approves(ci_env, service, production, tmp_path):
    peer = UserFactory(username="peer", member_of=[service.owner_team])
    marker = tmp_path / "deployed"
    evidence = {"STEWARD_ROLLBACK_PLAN": "helm rollback", "STEWARD_TESTS_PASSED": "120", "STEWARD_TESTS_FAILED": "0"}
    process = run(ci_env, marker, STEWARD_ENVIRONMENT="production", STEWARD_SERVICES="payments", **evidence)

    seen = read_until(process, "gate: wait")  # the pipeline is waiting on the gate
    change = Change.objects.get(status="awaiting_approval")
    assert not marker.exists()
    change_decide(change=change, actor=peer, decision="approved", comment="Ship it")
    code, output = finish(process, before=seen)

    assert code == 0, output
    assert "tier medium" in output and "gate: wait" in output and "gate: go" in output
    assert "Waiting for approval from a member of Product" in output
    assert output.index("gate: wait") < output.index("gate: go") < output.index("outcome succeeded")
    assert marker.exists()
    change.refresh_from_db()
    assert change.status == "completed"


def test_a_change_inside_a_freeze_is_a_no_go_naming_the_freeze_and_nothing_deploys(
    ci_env, service, production, tmp_path
):
    now = timezone.now()
    WindowFactory(title="Release freeze", reason="Quarter close", starts_at=now - dt.timedelta(hours=1),
                  ends_at=now + dt.timedelta(days=1), environments=[production])  # fmt: skip
    marker = tmp_path / "deployed"

    code, output = finish(run(ci_env, marker, STEWARD_ENVIRONMENT="production", STEWARD_SERVICES="payments"))

    assert code == 3, output
    assert "gate: no-go" in output and "Freeze “Release freeze” (Quarter close)" in output
    assert "nothing deployed" in output and not marker.exists()
    assert Change.objects.get().outcome == ""


def test_a_refused_change_names_the_field_and_deploys_nothing(ci_env, service, staging, tmp_path):
    marker = tmp_path / "deployed"

    code, output = finish(run(ci_env, marker, STEWARD_ENVIRONMENT="staging", STEWARD_SERVICES="nope"))

    assert code == 2 and "services: Unknown service: nope." in output and not marker.exists()
    assert not Change.objects.exists()
