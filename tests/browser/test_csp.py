"""The Content-Security-Policy in a real browser: inline script is blocked and reported, and the portal, the
admin and the API docs work under it without a single violation (the conftest fails a test on any)."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import CSP_VIOLATIONS
from tests.factories import PASSWORD, UserFactory

INJECT_INLINE_SCRIPT = """() => {
  const script = document.createElement("script");
  script.textContent = "window.injected = true";
  document.body.appendChild(script);
}"""


@pytest.fixture
def admin_login(transactional_db, page: Page, live_server) -> Page:
    UserFactory(username="root", is_superuser=True, is_staff=True)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="root")).to_be_visible()
    return page


def test_inline_script_is_blocked_and_the_violation_is_caught(request, page: Page, live_server):
    response = page.goto(f"{live_server.url}/accounts/login/")
    assert response is not None and "script-src 'self'" in response.headers["content-security-policy"]

    page.evaluate(INJECT_INLINE_SCRIPT)
    page.wait_for_timeout(300)

    assert page.evaluate("window.injected") is None
    violations = request.node.stash[CSP_VIOLATIONS]
    assert any("script" in violation for violation in violations)
    violations.clear()  # expected here; anywhere else the conftest fails the test


def test_admin_pages_work_under_the_policy(admin_login: Page, live_server):
    page = admin_login
    page.goto(f"{live_server.url}/admin/")
    expect(page.get_by_role("link", name="Users")).to_be_visible()
    page.goto(f"{live_server.url}/admin/accounts/user/")
    expect(page.locator("#result_list")).to_be_visible()
    page.goto(f"{live_server.url}/admin/accounts/team/add/")
    expect(page.locator("#team_form")).to_be_visible()


def test_swagger_ui_renders_under_its_path_policy(admin_login: Page, live_server):
    page = admin_login
    page.goto(f"{live_server.url}/api/v1/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Steward API", timeout=15000)


def test_redoc_renders_under_its_path_policy(admin_login: Page, live_server):
    page = admin_login
    page.goto(f"{live_server.url}/api/v1/redoc/")
    expect(page.locator("h1").first).to_contain_text("Steward API", timeout=15000)
