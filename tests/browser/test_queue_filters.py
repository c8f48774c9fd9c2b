"""The agent queue, list first, in headless Chromium on a 1400×1000 screen: 20+ rows in sight with the filters,
chips and pickers that apply at once (no Filter button to press), a count, select all, and the SLA column."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.fulfillment.choices import RequestStatus
from tests.factories import PASSWORD, CatalogItemFactory, TeamFactory, UserFactory
from tests.fulfillment.factories import ServiceRequestFactory

S = RequestStatus


@pytest.fixture
def busy_queue(transactional_db):
    desk = TeamFactory(slug="service-desk", name="Service desk")
    agent = UserFactory(username="agent", roles=["Agents"], member_of=[desk])
    bob = UserFactory(username="bob", first_name="Bob", last_name="Builder", roles=["Agents"], member_of=[desk])
    requester = UserFactory(username="requester", first_name="Rita", last_name="Quest", roles=["End users"])
    item = CatalogItemFactory(slug="printer", name="Printer access", fulfilling_team=desk)
    due = timezone.now() + dt.timedelta(days=3)
    rows = [
        ServiceRequestFactory(requester=requester, item=item, status=S.IN_PROGRESS, due_at=due,
                              answers={"reason": f"printer {n}"})
        for n in range(24)
    ]  # fmt: skip
    urgent = ServiceRequestFactory(requester=requester, item=item, priority="urgent", answers={"reason": "on fire"})
    bobs = ServiceRequestFactory(requester=requester, item=item, assignee=bob, answers={"reason": "bob's one"})
    return agent, rows, urgent, bobs


def test_compact_filters_apply_at_once_and_the_list_fills_the_screen(page: Page, live_server, busy_queue,
                                                                     artifacts_dir):  # fmt: skip
    _agent, rows, urgent, bobs = busy_queue
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{live_server.url}/requests/queue/")
    page.get_by_label("Username").fill("agent")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    results = page.locator("#queue-results")
    expect(results).to_contain_text("26 requests match")

    # 20+ rows in sight without scrolling, with the filters above them.
    visible = page.evaluate(
        "() => Array.from(document.querySelectorAll('#queue-results tbody tr'))"
        ".filter(r => r.getBoundingClientRect().bottom <= window.innerHeight).length"
    )
    page.screenshot(path=str(artifacts_dir / "queue_compact.png"))
    assert visible >= 20, visible
    expect(page.get_by_label("Search requests", exact=True)).to_be_in_viewport()

    page.evaluate("window.__stillTheSamePage = true")
    # A chip applies at once.
    page.locator("#queue-filters .filter-chips label", has_text="Urgent").click()
    expect(results).to_contain_text("1 request matches")
    expect(results).to_contain_text(urgent.number)
    expect(page).to_have_url(re.compile(r"priority=urgent"))
    page.locator("#queue-filters .filter-chips label", has_text="Urgent").click()
    expect(results).to_contain_text("26 requests match")

    # The search box applies as one types, after a pause: no Enter.
    page.get_by_label("Search requests", exact=True).press_sequentially("on fire")
    expect(results).to_contain_text("1 request matches")
    page.get_by_label("Search requests", exact=True).fill("")
    page.get_by_label("Search requests", exact=True).press_sequentially("printer 2")
    expect(results).to_contain_text("5 requests match")  # printer 2, 20 … 23

    # Names with the username on hover; the SLA column in words with the exact due time on hover.
    expect(results.locator("span.person[title=requester]").first).to_have_text("Rita Quest")
    expect(results.locator("time.sla").first).to_have_text(re.compile(r"^\d+ h( \d+ min)? left$"))
    expect(results.locator("time.sla").first).to_have_attribute("title", re.compile(r"^Due "))

    # Select all on the page.
    page.get_by_label("Select all requests on this page").check()
    assert page.locator("input[name=selected]:checked").count() == 5
    assert page.evaluate("window.__stillTheSamePage === true")
    assert bobs.number not in results.inner_text()
