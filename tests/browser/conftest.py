"""Browser journeys in headless Chromium: Debian's chromium (or $CHROMIUM_PATH), never a downloaded one.

Without a Chromium the browser tests are skipped with a loud notice, except under CI=true, where a missing
browser fails the run. Any Content-Security-Policy violation the page reports fails the test.
"""

import os
import shutil
from collections.abc import Generator
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page

# Playwright's sync API runs an event loop in the test thread; the test's own ORM calls are still sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
IN_CI = os.environ.get("CI", "").lower() == "true"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


# Session-scoped, so that it runs before pytest-playwright's session-scoped browser fixture: as a function
# fixture it came too late, and the launch without an executable errored instead of skipping.
@pytest.fixture(scope="session", autouse=True)
def _require_chromium() -> None:
    if CHROMIUM:
        return
    message = "No Chromium found (install Debian's chromium or set CHROMIUM_PATH)"
    if IN_CI:
        pytest.fail(f"{message}: browser tests cannot be skipped under CI=true")
    pytest.skip(f"!!! BROWSER TEST SKIPPED: {message} !!!")


@pytest.fixture(scope="session")
def browser_type_launch_args(_require_chromium: None, browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


CSP_VIOLATIONS = pytest.StashKey[list[str]]()
# Also reports violations Chromium does not log to the console (e.g. from a report-only policy).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`Content Security Policy violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""


# Redoc's sidebar shows its maker's logo from their CDN, hard-coded in the bundle with no option to drop it.
# The policy blocks it, so no request leaves the machine: the one violation these tests expect.
EXPECTED_VIOLATIONS = ("https://cdn.redoc.ly/redoc/logo-mini.svg",)


@pytest.fixture(autouse=True)
def _record_csp_violations(request: pytest.FixtureRequest, page: Page) -> None:
    violations = request.node.stash.setdefault(CSP_VIOLATIONS, [])
    page.add_init_script(REPORT_VIOLATIONS)

    def on_console(message: ConsoleMessage) -> None:
        expected = any(url in message.text for url in EXPECTED_VIOLATIONS) and "/api/v1/redoc/" in page.url
        if "Content Security Policy" in message.text and not expected:
            violations.append(f"{page.url}: {message.text}")

    page.on("console", on_console)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    # In the call phase, so that a violation fails the test itself (a fixture's teardown would only error).
    result = yield
    violations = item.stash.get(CSP_VIOLATIONS, [])
    if violations:
        pytest.fail("Content-Security-Policy violations in the browser:\n" + "\n".join(violations), pytrace=False)
    return result


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
