"""The queue's service, team and people filters find by name as one types, in headless Chromium: typing any part
of a name fills the picker's suggestions (name shown, slug or username as the value), and choosing one filters
the list at once with the slug or username in the address, as the API takes it."""

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from apps.fulfillment.choices import RequestStatus
from tests.factories import PASSWORD, CatalogItemFactory, ServiceFactory, TeamFactory, UserFactory
from tests.fulfillment.factories import ServiceRequestFactory

S = RequestStatus


@pytest.fixture
def queue(transactional_db):
    desk = TeamFactory(slug="service-desk", name="Service desk")
    network = TeamFactory(slug="netops", name="Network operations")
    UserFactory(username="agent", roles=["Agents"], member_of=[desk, network])
    bob = UserFactory(username="bob", first_name="Bob", last_name="Builder", roles=["Agents"], member_of=[desk])
    requester = UserFactory(username="requester", first_name="Rita", last_name="Quest", roles=["End users"])
    laptops = ServiceFactory(slug="ld-7", name="Laptops & devices", owner_team=desk)
    vpn = ServiceFactory(slug="vpn", name="VPN", owner_team=network)
    laptop = CatalogItemFactory(slug="laptop", name="New laptop", service=laptops, fulfilling_team=desk)
    tunnel = CatalogItemFactory(slug="tunnel", name="VPN access", service=vpn, fulfilling_team=network)
    return {
        "laptop": ServiceRequestFactory(requester=requester, item=laptop, status=S.IN_PROGRESS, assignee=bob),
        "laptop2": ServiceRequestFactory(requester=requester, item=laptop, status=S.NEW),
        "vpn": ServiceRequestFactory(requester=requester, item=tunnel, status=S.NEW),
    }


def choose(page: Page, field: Locator, typed: str, value: str, text: str) -> None:
    """Type part of a name, wait for the suggestion, then choose it as a click in the list does (value + change)."""
    field.fill("")
    field.press_sequentially(typed)
    options = page.locator(f"#{field.get_attribute('id')}_options option")
    expect(options.filter(has_text=text)).to_have_count(1)
    expect(options.filter(has_text=text)).to_have_attribute("value", value)
    field.fill(value)
    field.dispatch_event("change")


def test_service_team_and_people_filters_search_by_name(page: Page, live_server, queue):
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{live_server.url}/requests/queue/")
    page.get_by_label("Username").fill("agent")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    results = page.locator("#queue-results")
    expect(results).to_contain_text("3 requests match")

    # The service filter sits behind "More filters"; its name is typed, not its slug ("ld-7").
    page.locator("#queue-more-filters summary").click()
    service = page.get_by_label("Service", exact=True)
    choose(page, service, "devic", "ld-7", "Laptops & devices")
    expect(results).to_contain_text("2 requests match")
    expect(results).not_to_contain_text(queue["vpn"].number)
    expect(page).to_have_url(re.compile(r"service=ld-7"))
    service.fill("")
    service.dispatch_event("change")
    expect(results).to_contain_text("3 requests match")

    # The team filter: part of the team's name.
    team = page.get_by_label("Team", exact=True)
    choose(page, team, "operations", "netops", "Network operations")
    expect(results).to_contain_text("1 request matches")
    expect(results).to_contain_text(queue["vpn"].number)
    expect(page).to_have_url(re.compile(r"team=netops"))
    team.fill("")
    team.dispatch_event("change")
    expect(results).to_contain_text("3 requests match")

    # The people filter: the surname finds the username.
    assignee = page.get_by_label("Assignee", exact=True)
    choose(page, assignee, "build", "bob", "Bob Builder")
    expect(results).to_contain_text("1 request matches")
    expect(results).to_contain_text(queue["laptop"].number)
    expect(page).to_have_url(re.compile(r"assignee=bob"))


def test_the_request_forms_people_and_team_pickers_find_by_name(page: Page, live_server, queue):
    # The same mechanism on the filing page: the form engine's team field and "Requested for" (a person).
    CatalogItemFactory(
        slug="join",
        name="Join a team",
        fulfilling_team=queue["vpn"].item.fulfilling_team,
        form_definition={"fields": [{"name": "team", "label": "Which team", "type": "team", "required": True}]},
    )
    page.goto(f"{live_server.url}/requests/new/join/")
    page.get_by_label("Username").fill("requester")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    choose(page, page.get_by_label("Which team"), "network", "netops", "Network operations")
    choose(page, page.get_by_label("Requested for"), "builder", "bob", "Bob Builder")
