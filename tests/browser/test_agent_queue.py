"""An agent, in headless Chromium: filter the queue, bulk-assign, and resolve a request, all without a full
page load (a marker set on the window survives every step)."""

import re

import pytest
from playwright.sync_api import Page, expect

from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.models import ServiceRequest
from tests.factories import PASSWORD, CatalogItemFactory, TeamFactory, UserFactory
from tests.fulfillment.factories import ServiceRequestFactory


@pytest.fixture
def queue_data(transactional_db):
    desk = TeamFactory(slug="service-desk", name="Service desk")
    product = TeamFactory(slug="product", name="Product")
    item = CatalogItemFactory(slug="printer", name="Printer access", fulfilling_team=desk)
    other = CatalogItemFactory(slug="vpn", name="VPN access", fulfilling_team=desk)
    requester = UserFactory(username="requester", roles=["End users"], member_of=[product])
    agent = UserFactory(username="agent", roles=["Agents"], member_of=[desk])
    printers = [
        ServiceRequestFactory(requester=requester, item=item, status=RequestStatus.IN_PROGRESS, answers={"reason": r})
        for r in ("third floor printer", "printer in room 12")
    ]
    vpn = ServiceRequestFactory(requester=requester, item=other, answers={"reason": "travelling"})
    return agent, printers, vpn


def test_agent_filters_bulk_assigns_and_resolves(page: Page, live_server, queue_data, artifacts_dir):
    agent, printers, vpn = queue_data
    page.goto(f"{live_server.url}/requests/queue/")
    page.get_by_label("Username").fill("agent")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Queue")).to_be_visible()
    results = page.locator("#queue-results")
    expect(results).to_contain_text(vpn.number)

    page.evaluate("window.__stillTheSamePage = true")
    # Filtering swaps the results only, and the address bar follows.
    page.get_by_label("Search requests", exact=True).fill("printer")
    page.get_by_label("Search requests", exact=True).press("Enter")
    expect(results).not_to_contain_text(vpn.number)
    expect(results).to_contain_text(printers[0].number)
    expect(page).to_have_url(re.compile(r"q=printer"))

    # Bulk-assign the two matching requests to me.
    for sr in printers:
        page.get_by_label(f"Select {sr.number}").check()
    page.locator("#queue-bulk").get_by_role("button", name="Assign to me").click()
    expect(results).to_contain_text("2 request(s) assigned to agent")
    expect(results).not_to_contain_text(vpn.number)  # the filter is kept after the action
    assert page.evaluate("window.__stillTheSamePage === true")
    assert set(ServiceRequest.objects.filter(assignee=agent).values_list("pk", flat=True)) == {s.pk for s in printers}
    page.screenshot(path=str(artifacts_dir / "agent_queue.png"), full_page=True)

    # Resolve one on its page: the status region is swapped in place.
    page.get_by_role("link", name=printers[0].number).click()
    expect(page.get_by_role("heading", name=re.compile(printers[0].number))).to_be_visible()
    page.evaluate("window.__stillTheSamePage = true")
    page.locator("#request-status").get_by_role("button", name="Fulfilled").click()
    expect(page.locator("#status-title")).to_contain_text("Fulfilled")
    assert page.evaluate("window.__stillTheSamePage === true")
    printers[0].refresh_from_db()
    assert printers[0].status == RequestStatus.FULFILLED
    page.screenshot(path=str(artifacts_dir / "agent_queue_resolved.png"), full_page=True)
