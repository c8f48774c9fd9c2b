"""An agent, in headless Chromium, finds an article from a request's page and, in one click, puts its title, summary
and address into the reply and links it to the request (apps.knowledge.views.link_answer answers with an event that
static/js/knowledge-link.js handles: no inline script, the CSP holds)."""

import pytest
from playwright.sync_api import Page, expect

from apps.knowledge.models import ArticleLink
from apps.knowledge.services import ArticleData, article_create, article_transition
from tests.factories import PASSWORD, CatalogItemFactory, TeamFactory, UserFactory
from tests.fulfillment.factories import ServiceRequestFactory


@pytest.fixture
def desk_request(transactional_db):
    desk = TeamFactory(slug="service-desk", name="Service desk")
    agent = UserFactory(username="agent", roles=["Agents"], member_of=[desk])
    reviewer = UserFactory(username="reviewer", roles=["Agents"], member_of=[desk])
    data = ArticleData(
        title="VPN keeps disconnecting", summary="Turn off sleep on the adapter.", owner_team=desk, body_md="Steps."
    )
    article = article_transition(article=article_create(actor=agent, data=data), to="in_review", actor=agent)
    article_transition(article=article, to="published", actor=reviewer)
    item = CatalogItemFactory(slug="vpn-help", name="VPN help", fulfilling_team=desk)
    return ServiceRequestFactory(item=item), article


def test_agent_inserts_an_article_link_into_the_reply_and_links_it(page: Page, live_server, desk_request, settings):
    settings.SITE_URL = "https://help.example.com"  # the inserted link names the portal's public address
    sr, article = desk_request
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("agent")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server.url + sr.get_absolute_url())

    reply = page.locator("#id_body")
    reply.fill("Hello, please read")
    page.get_by_label("Find an article to insert or link").press_sequentially("vpn", delay=20)
    page.locator("#knowledge-link-results").get_by_role("button", name="Insert and link").click()
    link = f"https://help.example.com{article.get_absolute_url()}"
    expect(reply).to_have_value(f"Hello, please read\nVPN keeps disconnecting: Turn off sleep on the adapter.\n{link}")
    expect(page.locator("#knowledge-linked").get_by_role("link", name="VPN keeps disconnecting")).to_be_visible()
    assert ArticleLink.objects.filter(article=article, subject_id=str(sr.pk)).count() == 1

    # The agent sends the reply: the comment carries the article.
    page.get_by_role("button", name="Comment", exact=True).click()
    expect(page.locator("#request-timeline")).to_contain_text("Turn off sleep on the adapter.")
