"""An end user, in headless Chromium: browse the catalog, fill a form with a conditional field, fix a
validation error, submit, see the request and comment on it without a full page load."""

import re

import pytest
from playwright.sync_api import Page, expect

from apps.fulfillment.models import ServiceRequest
from tests.factories import PASSWORD, CatalogItemFactory, CategoryFactory, TeamFactory, UserFactory

FORM = {
    "fields": [
        {
            "name": "repository",
            "label": "Repository",
            "type": "text",
            "required": True,
            "regex": "[a-z0-9-]+/[a-z0-9-]+",
            "help_text": "As owner/name, for example platform/deploy-tools.",
        },
        {
            "name": "access_level",
            "label": "Access level",
            "type": "choice",
            "required": True,
            "choices": [{"value": "read", "label": "Read"}, {"value": "admin", "label": "Admin"}],
        },
        {
            "name": "justification",
            "label": "Why do you need admin rights?",
            "type": "long_text",
            "required": True,
            "show_if": {"field": "access_level", "equals": "admin"},
        },
    ]
}


@pytest.fixture
def journey_data(transactional_db):
    desk = TeamFactory(slug="service-desk", name="Service desk")
    product = TeamFactory(slug="product", name="Product")
    category = CategoryFactory(slug="access", name="Access")
    CatalogItemFactory(
        slug="repo-access",
        name="Repository access",
        summary="Read or admin rights on a source repository.",
        category=category,
        fulfilling_team=desk,
        form_definition=FORM,
    )
    return UserFactory(username="requester", roles=["End users"], member_of=[product])


def test_end_user_files_a_request_and_comments_on_it(page: Page, live_server, journey_data, artifacts_dir):
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill("requester")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # Browse: the catalog's front page lists the item under its category.
    page.get_by_role("link", name=re.compile("Repository access")).first.click()
    page.get_by_role("link", name="Request this").click()
    expect(page.get_by_role("heading", name="Request: Repository access")).to_be_visible()

    # The conditional field appears only once "Admin" is chosen.
    justification = page.get_by_label("Why do you need admin rights?")
    expect(justification).to_be_hidden()
    page.get_by_label("Access level").select_option("admin")
    expect(justification).to_be_visible()

    # A value the field's pattern refuses comes back with the error next to it, and nothing typed is lost.
    page.get_by_label("Repository").fill("Not A Repo!")
    justification.fill("On-call for the deploy tools this quarter.")
    page.get_by_role("button", name="File the request").click()
    expect(page.locator("#id_repository_error")).to_be_visible()
    expect(page.get_by_label("Why do you need admin rights?")).to_have_value(
        "On-call for the deploy tools this quarter."
    )
    expect(page.get_by_label("Access level")).to_have_value("admin")
    assert ServiceRequest.objects.count() == 0

    page.get_by_label("Repository").fill("platform/deploy-tools")
    page.get_by_role("button", name="File the request").click()
    expect(page).to_have_url(re.compile(r"/requests/SR-\d{6}/$"))
    request = ServiceRequest.objects.get()
    assert request.answers == {
        "repository": "platform/deploy-tools",
        "access_level": "admin",
        "justification": "On-call for the deploy tools this quarter.",
    }
    expect(page.get_by_role("heading", name=re.compile(request.number))).to_be_visible()

    # Commenting swaps the page's parts with htmx: the window survives, so no full page load happened.
    page.evaluate("window.__stillTheSamePage = true")
    page.locator("#request-comments textarea").fill("Thanks! I need it before Friday's release.")
    page.get_by_role("button", name="Comment").click()
    expect(page.locator("#request-timeline")).to_contain_text("I need it before Friday's release.")
    assert page.evaluate("window.__stillTheSamePage === true")
    assert request.comments.get().body == "Thanks! I need it before Friday's release."

    page.screenshot(path=str(artifacts_dir / "end_user_journey.png"), full_page=True)
