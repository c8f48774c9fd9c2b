"""Risk-policy authoring in headless Chromium (issue 9): one manager drafts a rule that moves a change to high,
checks it live, sees the back-test run on the real worker; another manager activates the draft."""

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from apps.changes.models import RiskPolicy
from tests.changes.factories import ChangeFactory
from tests.changes.policy.conftest import make_sealed
from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def history(transactional_db):
    """v1 (production 40: medium) and two production changes it scored medium, one of them on a Sunday."""
    make_sealed(1)
    now = timezone.now()
    weekend = ChangeFactory(title="Sunday deploy", tier="medium", risk_score=40, scored_at=now,
                            attributes={"is_production": True, "start_weekday": 6})  # fmt: skip
    ChangeFactory(title="Tuesday deploy", tier="medium", risk_score=40, scored_at=now,
                  attributes={"is_production": True, "start_weekday": 1})  # fmt: skip
    UserFactory(username="ada", roles=["Managers"])
    UserFactory(username="grace", roles=["Managers"])
    return weekend


def log_in(page: Page, url: str, username: str) -> None:
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_manager_drafts_and_back_tests_and_another_activates(
    page: Page, browser: Browser, live_server, history, celery_worker
):
    log_in(page, f"{live_server.url}/changes/policies/", "ada")
    page.get_by_role("button", name="Draft from v1").click()
    expect(page.get_by_text("Draft version 2 is ready")).to_be_visible()

    form = page.locator("#rule-form")
    form.get_by_label("Name").fill("weekend production")
    expression = form.get_by_label("Expression")
    expression.fill("is_production && weekend")
    expect(page.get_by_text("Unknown attribute “weekend”")).to_be_visible()  # checked as it is typed
    expression.fill("is_production && start_weekday >= 5")
    expect(page.get_by_text("Valid: returns true or false")).to_be_visible()
    form.get_by_label("Weight").fill("30")
    page.get_by_role("button", name="Save the rule").click()
    expect(page.get_by_text("The rule “weekend production” is saved.")).to_be_visible()
    expect(page.locator("#policy-tests")).to_contain_text("pass")
    page.screenshot(path="/tmp/steward-pol-editor.png", full_page=True)

    page.get_by_role("button", name="Run a back-test").click()
    expect(page.locator("#backtest-summary")).to_contain_text("1 of 2 changes would change tier", timeout=30_000)
    expect(page.locator("#backtest-matrix")).to_be_visible()
    expect(page.get_by_role("link", name=history.number)).to_be_visible()
    page.screenshot(path="/tmp/steward-pol-backtest.png")

    other = browser.new_context().new_page()
    log_in(other, f"{live_server.url}/changes/policies/2/", "grace")
    expect(other.get_by_text("moves 1 of 2 recent changes")).to_be_visible()
    other.get_by_label("Comment").fill("Weekend production deploys need a manager: back-test checked.")
    other.get_by_role("button", name="Activate").click()
    expect(other.get_by_text("Version 2 is now active.")).to_be_visible()

    active = RiskPolicy.objects.get(is_active=True)
    assert active.version == 2 and active.activated_by.username == "grace"
    assert [user.username for user in active.authors.all()] == ["ada"]
