"""Articles linked to requests and inserted into replies: the lazy panel on the request page, its search,
link and unlink, and who may do what (requester reads, the request's agents link, others get 404)."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from apps.core.models import AuditEvent
from apps.knowledge.models import ArticleLink
from apps.knowledge.services import article_link, article_unlink
from tests.factories import UserFactory
from tests.fulfillment.factories import ServiceRequestFactory

pytestmark = pytest.mark.django_db
TYPE = "fulfillment.servicerequest"


@pytest.fixture
def sr(owner, item):
    return ServiceRequestFactory(requester=owner, item=item)


def panel_url(sr, name="knowledge:link-panel"):
    return reverse(name, args=[TYPE, str(sr.pk)])


def test_request_page_loads_the_panel_lazily(client_for, owner, sr):
    body = client_for(owner).get(sr.get_absolute_url()).content.decode()
    assert f'hx-get="{panel_url(sr)}"' in body
    assert 'hx-trigger="revealed"' in body
    assert "js/knowledge-link.js" in body


def test_agent_links_an_article_and_the_requester_sees_it(client_for, agent, owner, sr, make_article):
    article = make_article(title="Connect to the VPN")
    response = client_for(agent).post(
        panel_url(sr, "knowledge:link-create"), {"article": article.slug}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert ArticleLink.objects.filter(article=article, subject_type=TYPE, subject_id=str(sr.pk)).count() == 1
    assert AuditEvent.objects.filter(verb="knowledge.article.linked", actor=agent).exists()
    body = client_for(owner).get(panel_url(sr)).content.decode()
    assert "Connect to the VPN" in body
    assert "data-knowledge-answer" not in body  # the requester reads the links, only agents insert and link


def test_linking_twice_keeps_one_link(agent, sr, make_article):
    article = make_article()
    first = article_link(article=article, subject_type=TYPE, subject_id=str(sr.pk), actor=agent)
    again = article_link(article=article, subject_type=TYPE, subject_id=str(sr.pk), actor=agent)
    assert first.pk == again.pk
    assert ArticleLink.objects.count() == 1


def test_only_published_articles_are_linked(agent, sr, make_article):
    draft = make_article(publish=False)
    with pytest.raises(ValidationError):
        article_link(article=draft, subject_type=TYPE, subject_id=str(sr.pk), actor=agent)


def test_requester_may_not_link(owner, sr, make_article):
    with pytest.raises(PermissionDenied):
        article_link(article=make_article(), subject_type=TYPE, subject_id=str(sr.pk), actor=owner)


def test_unlink_removes_and_audits(client_for, agent, sr, make_article):
    article = make_article()
    article_link(article=article, subject_type=TYPE, subject_id=str(sr.pk), actor=agent)
    response = client_for(agent).post(panel_url(sr, "knowledge:link-delete"), {"article": article.slug})
    assert response.status_code == 302 and response["Location"] == sr.get_absolute_url()
    assert not ArticleLink.objects.exists()
    assert AuditEvent.objects.filter(verb="knowledge.article.unlinked").exists()
    article_unlink(article=article, subject_type=TYPE, subject_id=str(sr.pk), actor=agent)  # nothing left: no-op


def test_outsider_and_teammate_get_404(client_for, outsider, teammate, sr, make_article):
    article = make_article()
    for user in (outsider, teammate):
        client = client_for(user)
        assert client.get(panel_url(sr)).status_code == 404
        assert client.get(panel_url(sr, "knowledge:link-search"), {"q": "vpn"}).status_code == 404
        assert client.post(panel_url(sr, "knowledge:link-create"), {"article": article.slug}).status_code == 404
    assert not ArticleLink.objects.exists()


def test_agent_of_another_team_gets_404(client_for, sr, other_team):
    stranger = UserFactory(roles=["Agents"], member_of=[other_team])
    assert client_for(stranger).get(panel_url(sr)).status_code == 404


@pytest.mark.parametrize("subject", [("nope.thing", "1"), (TYPE, "abc"), (TYPE, "999999")])
def test_unknown_subjects_answer_404(client_for, agent, subject):
    assert client_for(agent).get(reverse("knowledge:link-panel", args=subject)).status_code == 404


def test_search_as_you_type_offers_insert_and_link(client_for, agent, sr, make_article):
    make_article(title="Connect to the VPN", body_md="Install the client.")
    make_article(title="Printer setup")
    response = client_for(agent).get(panel_url(sr, "knowledge:link-search"), {"q": "vpn"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<ul id="knowledge-link-results"')
    assert "Connect to the VPN" in body and "Printer setup" not in body
    assert f'hx-post="{panel_url(sr, "knowledge:link-answer")}"' in body
    assert 'name="article" value="connect-to-the-vpn"' in body


def test_requester_may_not_search_to_link(client_for, owner, sr):
    assert client_for(owner).get(panel_url(sr, "knowledge:link-search"), {"q": "vpn"}).status_code == 403


def test_panel_lists_only_articles_the_reader_may_see(client_for, agent, owner, sr, make_article, other_team):
    hidden = make_article(title="Agents only trick", audience="agents")
    article_link(article=hidden, subject_type=TYPE, subject_id=str(sr.pk), actor=agent)
    assert "Agents only trick" in client_for(agent).get(panel_url(sr)).content.decode()
    assert "Agents only trick" not in client_for(owner).get(panel_url(sr)).content.decode()


def test_panel_query_count_is_pinned(client_for, agent, sr, make_article, django_assert_max_num_queries):
    for n in range(3):
        article_link(article=make_article(title=f"Article {n}"), subject_type=TYPE, subject_id=str(sr.pk), actor=agent)
    client = client_for(agent)
    with django_assert_max_num_queries(10):
        response = client.get(panel_url(sr))
    assert response.content.decode().count("data-knowledge-answer") == 3


def test_catalog_search_loads_matching_articles_beside_items(client_for, owner, make_article):
    make_article(title="Connect to the VPN")
    make_article(title="Hidden draft about VPN", publish=False)
    page = client_for(owner).get(reverse("catalog:search"), {"q": "vpn"}).content.decode()
    assert f'hx-get="{reverse("knowledge:catalog-panel")}?q=vpn"' in page
    body = client_for(owner).get(reverse("knowledge:catalog-panel"), {"q": "vpn"}).content.decode()
    assert "Connect to the VPN" in body and "Hidden draft" not in body
    assert "<html" not in body


def test_catalog_panel_is_empty_without_words(client_for, owner, make_article):
    make_article(title="Connect to the VPN")
    body = client_for(owner).get(reverse("knowledge:catalog-panel")).content.decode()
    assert "Connect to the VPN" not in body


def test_insert_and_link_is_one_action(client_for, agent, sr, make_article, settings):
    """One click: the link is recorded (audited) and the answer names the reply box and the text to put there;
    the link is on SITE_URL, whatever Host the agent's browser sent."""
    settings.SITE_URL = "https://help.example.com"
    article = make_article(title="Café VPN", summary="Turn off sleep on the adapter.")
    response = client_for(agent).post(
        panel_url(sr, "knowledge:link-answer"), {"article": article.slug}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert ArticleLink.objects.filter(article=article, subject_type=TYPE, subject_id=str(sr.pk)).count() == 1
    assert AuditEvent.objects.filter(verb="knowledge.article.linked", actor=agent).exists()
    header = response["HX-Trigger"]
    assert header.isascii()
    detail = json.loads(header)["knowledgeInsert"]
    assert detail == {
        "field": "id_body",
        "text": f"Café VPN: Turn off sleep on the adapter.\nhttps://help.example.com{article.get_absolute_url()}",
    }
    again = client_for(agent).post(
        panel_url(sr, "knowledge:link-answer"), {"article": article.slug}, HTTP_HX_REQUEST="true"
    )
    assert "knowledgeInsert" in again["HX-Trigger"]  # already linked: inserted again, still one link
    assert ArticleLink.objects.count() == 1


def test_insert_and_link_without_javascript_links_and_goes_back(client_for, agent, sr, make_article):
    article = make_article()
    response = client_for(agent).post(panel_url(sr, "knowledge:link-answer"), {"article": article.slug})
    assert response.status_code == 302 and response["Location"] == sr.get_absolute_url()
    assert ArticleLink.objects.filter(article=article).exists()


def test_insert_and_link_refused_inserts_nothing(client_for, agent, owner, outsider, sr, make_article):
    draft = make_article(title="Draft answer", publish=False)
    response = client_for(agent).post(
        panel_url(sr, "knowledge:link-answer"), {"article": draft.slug}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "Only published articles can be linked." in response.content.decode()
    assert "HX-Trigger" not in response
    published = make_article()
    assert (
        client_for(owner).post(panel_url(sr, "knowledge:link-answer"), {"article": published.slug}).status_code == 403
    )
    assert (
        client_for(outsider).post(panel_url(sr, "knowledge:link-answer"), {"article": published.slug}).status_code
        == 404
    )
    assert not ArticleLink.objects.exists()
