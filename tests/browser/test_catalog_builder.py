"""The catalog builder in headless Chromium: an administrator adds a conditional field to an item's form,
sees it in the live preview, saves a new version; a requester files a request with that version, and the
conditional field shows and hides as they answer."""

import re

import pytest
from playwright.sync_api import Page, expect

from apps.catalog.models import CatalogItem
from apps.fulfillment.models import ServiceRequest
from tests.factories import PASSWORD, CatalogItemFactory, CategoryFactory, TeamFactory, UserFactory


@pytest.fixture
def builder_data(transactional_db):
    desk = TeamFactory(slug="service-desk", name="Service desk")
    product = TeamFactory(slug="product", name="Product")
    CatalogItemFactory(
        slug="laptop",
        name="New laptop",
        category=CategoryFactory(slug="hardware", name="Hardware"),
        fulfilling_team=desk,
        form_definition={
            "fields": [
                {
                    "name": "model",
                    "label": "Model",
                    "type": "choice",
                    "required": True,
                    "choices": [{"value": "standard", "label": "Standard"}, {"value": "pro", "label": "Pro"}],
                }
            ]
        },
    )
    UserFactory(username="admin", is_superuser=True, is_staff=True)
    UserFactory(username="requester", roles=["End users"], member_of=[product])


def log_in(page: Page, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_admin_adds_a_conditional_field_and_a_requester_files_with_it(
    page: Page, live_server, builder_data, artifacts_dir
):
    log_in(page, live_server.url, "admin")
    page.get_by_role("link", name="Catalog builder").click()
    page.get_by_role("link", name="v1 · edit").click()
    expect(page.get_by_role("heading", name="Field 1 “Model”")).to_be_visible()

    # Add a field (htmx: the editor is swapped, the page stays) and make it conditional on "Model".
    page.evaluate("window.__stillTheSamePage = true")
    page.get_by_role("button", name="Add a field").click()
    card = page.locator("#field-card-1")
    expect(card).to_be_visible()
    card.get_by_label("Label").fill("Why do you need a Pro?")
    card.get_by_label("Label").press("Tab")  # leaving the label fills the empty name from it
    card.get_by_label("Type").select_option("long_text")
    expect(card.get_by_label("Name")).to_have_value("why_do_you_need_a_pro")
    card.get_by_label("Required").check()
    card.get_by_label("Show only if").select_option("model")
    # Choosing the field asks the server for its values: "is" becomes a list of Model's choices.
    equals = page.locator("#field-card-1 select[data-input='show_if_equals']")
    expect(equals).to_be_visible()
    equals.select_option("pro")

    # The live preview is the requester's form: the new field appears only once "Pro" is chosen.
    preview = page.locator("#preview-form")
    expect(preview.get_by_label("Why do you need a Pro?")).to_be_attached()
    expect(preview.get_by_label("Why do you need a Pro?")).to_be_hidden()
    preview.get_by_label("Model").select_option("pro")
    expect(preview.get_by_label("Why do you need a Pro?")).to_be_visible()
    preview.get_by_label("Model").select_option("standard")
    expect(preview.get_by_label("Why do you need a Pro?")).to_be_hidden()
    assert page.evaluate("window.__stillTheSamePage === true")

    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_text("Saved: new requests use version 2 of the form.")).to_be_visible()
    expect(page.locator("#form-versions")).to_contain_text("v2")
    item = CatalogItem.objects.get(slug="laptop")
    assert item.current_form.number == 2
    assert item.current_form.definition["fields"][1] == {
        "name": "why_do_you_need_a_pro",
        "label": "Why do you need a Pro?",
        "type": "long_text",
        "required": True,
        "help_text": "",
        "show_if": {"field": "model", "equals": "pro"},
    }
    page.screenshot(path=str(artifacts_dir / "catalog_builder.png"), full_page=True)

    # The requester files with version 2: the conditional field follows the answer to "Model".
    page.context.clear_cookies()
    log_in(page, live_server.url, "requester")
    page.goto(f"{live_server.url}/requests/new/laptop/")
    reason = page.get_by_label("Why do you need a Pro?")
    page.get_by_label("Model").select_option("standard")
    expect(reason).to_be_hidden()
    page.get_by_label("Model").select_option("pro")
    expect(reason).to_be_visible()
    reason.fill("Video editing for the launch film.")
    page.get_by_role("button", name="File the request").click()
    expect(page).to_have_url(re.compile(r"/requests/SR-\d{6}/$"))
    request = ServiceRequest.objects.get()
    assert request.form_version.number == 2
    assert request.answers == {"model": "pro", "why_do_you_need_a_pro": "Video editing for the launch film."}
