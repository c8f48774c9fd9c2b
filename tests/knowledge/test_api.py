"""The articles API: ranked search with snippets and page urls, scopes, writes, revisions, feedback."""

import pytest

from apps.accounts.services import token_create
from apps.knowledge.choices import ArticleAudience
from apps.knowledge.models import Feedback

pytestmark = pytest.mark.django_db


def _client(client, user, scopes=("knowledge",), access="write"):
    _, key = token_create(user=user, name="t", scopes=list(scopes), access=access)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return client


def test_search_is_ranked_with_snippets_and_page_url(client, owner, make_article, settings):
    settings.SITE_URL = "https://help.example.com/"
    make_article(title="Printer dock", body_md="A dock.")
    make_article(title="Laptop", body_md="Put the laptop in its dock.")
    body = _client(client, owner, access="read").get("/api/v1/articles/", {"q": "dock"}).json()
    assert [row["title"] for row in body["results"]] == ["Printer dock", "Laptop"]
    assert body["results"][1]["snippet"].count("<mark>") == 1
    # From SITE_URL, not from the Host header of the request that asked.
    assert body["results"][0]["url"] == "https://help.example.com/knowledge/printer-dock/"


def test_scope_is_required(client, owner, make_article):
    make_article()
    assert _client(client, owner, scopes=["requests"]).get("/api/v1/articles/").status_code == 403


def test_hidden_article_is_404_and_read_only_is_403(client, owner, agent, make_article, other_team):
    hidden = make_article(title="Hidden", audience=ArticleAudience.TEAMS, audience_teams=[other_team])
    visible = make_article(title="Visible")
    api = _client(client, owner)
    assert api.get(f"/api/v1/articles/{hidden.slug}/").status_code == 404
    assert (
        api.patch(f"/api/v1/articles/{visible.slug}/", {"title": "x"}, content_type="application/json").status_code
        == 403
    )


def test_writer_creates_edits_with_if_match_and_reads_revisions(client, agent, desk_team):
    api = _client(client, agent)
    created = api.post(
        "/api/v1/articles/",
        {"title": "Wi-Fi", "owner_team": desk_team.slug, "body_md": "Join **guest**", "tags": ["wifi"]},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert "<strong>guest</strong>" in created.json()["body_html"]
    url = "/api/v1/articles/wi-fi/"
    stale = api.patch(url, {"body_md": "x"}, content_type="application/json", HTTP_IF_MATCH='"7"')
    assert stale.status_code == 409
    edited = api.patch(url, {"body_md": "Join corp"}, content_type="application/json", HTTP_IF_MATCH='"1"')
    assert edited.status_code == 200 and edited["ETag"] == '"2"'
    assert [r["number"] for r in api.get(url + "revisions/").json()] == [2, 1]


def test_invalid_write_answers_400_per_field(client, agent, outsider, desk_team):
    api = _client(client, agent)
    response = api.post("/api/v1/articles/", {"title": "", "owner_team": "nope"}, content_type="application/json")
    assert response.status_code == 400 and {"title", "owner_team"} <= set(response.json())
    response = api.post(
        "/api/v1/articles/",
        {"title": "T", "owner_team": desk_team.slug, "audience": "teams"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "audience_teams" in response.json()


def test_publish_rule_and_feedback(client, agent, reviewer, owner, make_article):
    article = make_article(publish=False)
    author = _client(client, agent)
    url = f"/api/v1/articles/{article.slug}/transition/"
    assert author.post(url, {"to": "in_review"}, content_type="application/json").status_code == 200
    assert author.post(url, {"to": "published"}, content_type="application/json").status_code == 403
    from django.test import Client

    second = _client(Client(), reviewer)
    assert second.post(url, {"to": "published"}, content_type="application/json").status_code == 200
    reader = _client(Client(), owner, access="read")
    assert (
        reader.post(
            f"/api/v1/articles/{article.slug}/feedback/", {"helped": True}, content_type="application/json"
        ).status_code
        == 403
    )
    reader = _client(Client(), owner)
    answer = reader.post(
        f"/api/v1/articles/{article.slug}/feedback/", {"helped": True}, content_type="application/json"
    )
    assert answer.status_code == 201 and Feedback.objects.count() == 1
    again = reader.post(f"/api/v1/articles/{article.slug}/feedback/", {"helped": True}, content_type="application/json")
    assert again.status_code == 400 and "helped" in again.json()


def test_html_and_api_filter_alike_by_service_and_tag(client, client_for, owner, make_article, vpn):
    make_article(title="VPN one", services=[vpn], tags=["remote"])
    make_article(title="Printer", tags=["office"])
    api = _client(client, owner, access="read")
    html = client_for(owner)
    for params in ({"service": "vpn"}, {"tag": "remote"}, {"service_id": vpn.pk}):
        rows = api.get("/api/v1/articles/", params).json()["results"]
        assert [row["title"] for row in rows] == ["VPN one"]
        page = html.get("/knowledge/", params).content.decode()
        assert "VPN one" in page and "Printer" not in page
    assert api.get("/api/v1/articles/", {"service": "nope"}).status_code == 400
    assert api.get("/api/v1/articles/", {"service_id": 0}).status_code == 400
