"""Request pages as people meet them, in headless Chromium: the requester's "We need your answer" banner with
the page's one comment box, cancelling with a confirmation and a reason, and rejecting with a required reason
(the browser refuses a rejection without one before anything is sent)."""

import re

import pytest
from playwright.sync_api import Page, expect

from apps.fulfillment import services
from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.models import ServiceRequest
from tests.factories import PASSWORD, CatalogItemFactory, TeamFactory, UserFactory
from tests.fulfillment.factories import ServiceRequestFactory

S = RequestStatus


@pytest.fixture
def people(transactional_db):
    desk = TeamFactory(slug="service-desk", name="Service desk")
    product = TeamFactory(slug="product", name="Product")
    manager = UserFactory(username="manager", first_name="Mona", last_name="Gerr", roles=["Managers"],
                          member_of=[product])  # fmt: skip
    product.manager = manager
    product.save(update_fields=["manager"])
    requester = UserFactory(username="requester", first_name="Rita", last_name="Quest", roles=["End users"],
                            member_of=[product])  # fmt: skip
    agent = UserFactory(username="agent", first_name="Alex", last_name="Gent", roles=["Agents"], member_of=[desk])
    return {"desk": desk, "manager": manager, "requester": requester, "agent": agent}


def log_in(page: Page, base: str, path: str, username: str) -> None:
    page.goto(f"{base}{path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_request_waiting_on_its_requester_asks_at_the_top(page: Page, live_server, people, artifacts_dir):
    item = CatalogItemFactory(slug="printer", name="Printer access", fulfilling_team=people["desk"])
    sr = ServiceRequestFactory(requester=people["requester"], item=item, status=S.IN_PROGRESS)
    services.request_transition(
        request=sr, to=S.ON_HOLD, actor=people["agent"], comment="Which floor is the printer on?"
    )

    log_in(page, live_server.url, sr.get_absolute_url(), "requester")
    banner = page.locator("#waiting-on-you")
    expect(banner.get_by_role("heading", name="We need your answer")).to_be_visible()
    expect(banner).to_contain_text("Which floor is the printer on?")
    expect(banner).to_contain_text("Alex Gent")
    expect(page.locator("textarea[name=body]")).to_have_count(1)  # one comment box per page, in the banner
    page.screenshot(path=str(artifacts_dir / "waiting_on_you.png"), full_page=True)

    banner.get_by_label("Comment").fill("Third floor, next to the kitchen.")
    banner.get_by_role("button", name="Send my answer").click()
    expect(page.locator("#waiting-on-you")).to_have_count(0)
    expect(page.locator("#request-timeline")).to_contain_text("Third floor, next to the kitchen.")
    expect(page.locator("textarea[name=body]")).to_have_count(1)
    sr.refresh_from_db()
    assert sr.status == S.IN_PROGRESS  # the answer resumed it


def test_cancelling_asks_for_confirmation_and_keeps_the_reason(page: Page, live_server, people):
    item = CatalogItemFactory(slug="vpn", name="VPN access", fulfilling_team=people["desk"])
    sr = ServiceRequestFactory(requester=people["requester"], item=item, status=S.NEW)

    log_in(page, live_server.url, sr.get_absolute_url(), "requester")
    status = page.locator("#request-status")
    confirm = status.get_by_role("button", name="Yes, cancel the request")
    expect(confirm).to_be_hidden()  # nothing is cancelled by one click
    status.locator("summary", has_text="Cancel request").click()
    status.get_by_label("Reason (optional)").fill("Found another way")
    confirm.click()
    expect(page.locator("#status-title")).to_contain_text("Cancelled")
    expect(page.locator("#request-timeline")).to_contain_text("Found another way")
    assert ServiceRequest.objects.get(pk=sr.pk).status == S.CANCELLED


def test_rejecting_needs_a_reason_the_requester_reads(page: Page, live_server, people, artifacts_dir):
    item = CatalogItemFactory(
        slug="laptop", name="Laptop", fulfilling_team=people["desk"], approval_rule="requester_manager"
    )
    sr = ServiceRequestFactory(requester=people["requester"], item=item, status=S.AWAITING_APPROVAL)

    log_in(page, live_server.url, "/approvals/", "manager")
    row = page.locator(f"tr:has-text('{sr.number}')")
    row.locator("summary", has_text="What was asked").click()
    expect(row).to_contain_text("Need access to the build logs")  # the answers, inline
    row.get_by_role("button", name="Reject").click()
    # The browser refused: the reason is required, nothing was sent.
    assert row.get_by_label(re.compile("Comment")).evaluate("el => el.validity.valueMissing") is True
    assert ServiceRequest.objects.get(pk=sr.pk).status == S.AWAITING_APPROVAL
    row.get_by_label(re.compile("Comment")).fill("No budget for laptops this quarter")
    row.get_by_role("button", name="Reject").click()
    expect(page.locator(f"tr:has-text('{sr.number}')")).to_contain_text("Rejected")
    page.screenshot(path=str(artifacts_dir / "approval_rejected.png"), full_page=True)

    page.context.clear_cookies()
    log_in(page, live_server.url, sr.get_absolute_url(), "requester")
    expect(page.locator("#request-timeline")).to_contain_text("No budget for laptops this quarter")
    expect(page.locator("#status-title")).to_contain_text("Rejected")
