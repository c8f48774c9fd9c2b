"""An end user, in headless Chromium, types into a request form, is shown an article, opens it and leaves without
filing: the suggestion is counted as shown and opened, and once the abandon window has passed, as deflected."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.knowledge.models import SuggestionCount, SuggestionOpen
from apps.knowledge.selectors import deflection_report
from apps.knowledge.services import ArticleData, article_create, article_transition
from tests.factories import PASSWORD, CatalogItemFactory, ServiceFactory, TeamFactory, UserFactory

FORM = {"fields": [{"name": "problem", "label": "Describe the problem", "type": "long_text", "required": True}]}


@pytest.fixture
def vpn_world(transactional_db):
    desk = TeamFactory(slug="service-desk", name="Service desk")
    product = TeamFactory(slug="product", name="Product")
    vpn = ServiceFactory(slug="vpn", name="VPN", owner_team=desk)
    item = CatalogItemFactory(slug="vpn-help", name="VPN help", service=vpn, fulfilling_team=desk, form_definition=FORM)
    author = UserFactory(username="author", roles=["Agents"], member_of=[desk])
    reviewer = UserFactory(username="reviewer", roles=["Agents"], member_of=[desk])
    data = ArticleData(title="VPN keeps disconnecting", owner_team=desk, services=[vpn], body_md="Turn off sleep.")
    article = article_transition(article=article_create(actor=author, data=data), to="in_review", actor=author)
    article = article_transition(article=article, to="published", actor=reviewer)
    requester = UserFactory(username="requester", roles=["End users"], member_of=[product])
    return item, article, requester


def test_typing_shows_a_suggestion_and_opening_it_counts(page: Page, live_server, vpn_world):
    item, article, requester = vpn_world
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("requester")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server.url + reverse("fulfillment:request-create", args=[item.slug]))

    page.get_by_label("Describe the problem").press_sequentially("my vpn drops", delay=20)
    suggestion = page.locator("#knowledge-suggestions").get_by_role("link", name="VPN keeps disconnecting")
    expect(suggestion).to_be_visible()
    assert SuggestionCount.objects.get(article=article, item=item).shown >= 1

    with page.expect_popup() as popup:
        suggestion.click()
    expect(popup.value.get_by_role("heading", name="VPN keeps disconnecting")).to_be_visible()
    assert SuggestionOpen.objects.filter(article=article, item=item, user=requester, filed_at=None).count() == 1

    # The user leaves without filing: once the abandon window has passed, the report counts it as deflected.
    SuggestionOpen.objects.update(opened_at=timezone.now() - dt.timedelta(hours=1))
    today = timezone.localdate()
    [row] = deflection_report(start=today - dt.timedelta(days=1), end=today)["articles"]
    assert (row.opened, row.abandoned) == (1, 1)
