"""A peer approves a medium change on its page, in headless Chromium, while ci/steward-change.sh waits on the gate;
the script then deploys and reports success (issue 8's "done when", with the live test server)."""

import os
import shutil

import pytest
from playwright.sync_api import Page, expect

from apps.accounts.models import User
from apps.accounts.services import token_create
from apps.changes.models import Change, Environment
from tests.changes.ciscript import finish, read_until, run
from tests.changes.factories import PolicyRuleFactory, RiskPolicyFactory
from tests.factories import PASSWORD, ServiceFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.skipif(not shutil.which("curl"), reason="the ci/ script needs curl")


@pytest.fixture
def platform(transactional_db):
    """The Platform team owns the service; ``agent`` is a member; production scores medium (30 of 30..60)."""
    team = TeamFactory(slug="platform", name="Platform team")
    policy = RiskPolicyFactory(version=1, medium_from=30, high_from=60)
    PolicyRuleFactory(policy=policy, name="production", expression="is_production", weight=30)
    PolicyRuleFactory(policy=policy, name="rollback plan", expression="has_rollback_plan", kind="check")
    Environment.objects.create(name="Production", slug="production", is_production=True)
    ServiceFactory(slug="ci-cd-platform", name="CI/CD platform", owner_team=team)
    UserFactory(username="agent", roles=["Agents"], member_of=[team])
    return team


def test_a_peer_approves_in_the_browser_while_the_pipeline_waits(page: Page, live_server, platform, tmp_path):
    robot = User.objects.create(username="ci-pipeline", is_service_account=True, owner_team=platform)
    key = token_create(user=robot, name="ci", scopes=["changes"], access="write")[1]
    env = {
        "PATH": os.environ["PATH"], "HOME": str(tmp_path), "STEWARD_URL": live_server.url, "STEWARD_TOKEN": key,
        "STEWARD_POLL_MAX": "1", "STEWARD_GATE_TIMEOUT": "90", "STEWARD_ENVIRONMENT": "production",
        "STEWARD_SERVICES": "ci-cd-platform", "STEWARD_ROLLBACK_PLAN": "Redeploy the previous tag.",
        "GITHUB_RUN_ID": "77", "GITHUB_ACTOR": "someone-else", "GITHUB_SHA": "cd" * 20,
        "GITHUB_REPOSITORY": "acme/platform", "GITHUB_WORKFLOW": "deploy",
    }  # fmt: skip
    marker = tmp_path / "deployed"
    process = run(env, marker)
    try:
        seen = read_until(process, "gate: wait")  # the pipeline is waiting on the gate
        change = Change.objects.get(status="awaiting_approval")

        page.goto(f"{live_server.url}{change.get_absolute_url()}")
        page.get_by_label("Username").fill("agent")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_text("Waiting for approval from a member of Platform team").first).to_be_visible()
        assert not marker.exists()  # the pipeline is still waiting
        page.get_by_label("Comment").fill("Reviewed the diff; go.")
        page.get_by_role("button", name="Approve").click()
        expect(page.get_by_text(f"Your decision on {change.number} is recorded.")).to_be_visible()

        code, output = finish(process, timeout=90, before=seen)
    finally:
        process.kill()
    assert code == 0, output
    assert output.index("gate: wait") < output.index("gate: go") < output.index("outcome succeeded")
    assert marker.exists()
    change.refresh_from_db()
    assert change.status == "completed" and change.approvals.get().approver.username == "agent"
