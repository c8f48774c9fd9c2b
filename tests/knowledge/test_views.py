"""Knowledge pages for readers, writers and outsiders: search, article page, redirects, history, feedback."""

import datetime as dt

import pytest
from django.urls import reverse

from apps.accounts.display import person_of
from apps.knowledge.choices import ArticleAudience
from apps.knowledge.models import Feedback, SuggestionCount, SuggestionOpen
from apps.knowledge.services import article_data_of, article_update

pytestmark = pytest.mark.django_db


def test_search_page_ranks_with_highlighted_snippets(client_for, owner, make_article):
    make_article(title="Reset MFA", body_md="Open the authenticator app.")
    response = client_for(owner).get(reverse("knowledge:article-list"), {"q": "authenticator"})
    assert response.status_code == 200
    assert "<mark>authenticator</mark>" in response.content.decode()


def test_htmx_search_answers_the_results_fragment(client_for, owner, make_article, django_assert_max_num_queries):
    make_article(title="Reset MFA")
    client = client_for(owner)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("knowledge:article-list"), {"q": "mfa"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert '<section id="article-results"' in body and "<html" not in body
    assert "Reset MFA" in body


def test_search_pages_offer_the_best_matches_without_counting_them(client_for, owner, make_article, monkeypatch):
    monkeypatch.setattr("apps.knowledge.selectors.SEARCH_PAGE_SIZE", 2)
    monkeypatch.setattr("apps.knowledge.selectors.SEARCH_PAGES", 2)
    for n in range(5):
        make_article(title=f"Dock model {n}")
    client = client_for(owner)
    url = reverse("knowledge:article-list")
    first = client.get(url, {"q": "dock"}).content.decode()
    assert first.count("Dock model") == 2 and "Page 1<" in first and "page=2" in first
    assert 'id="article-search-capped"' not in first
    last = client.get(url, {"q": "dock", "page": 2}).content.decode()
    assert last.count("Dock model") == 2 and "page=3" not in last
    assert "Only the best 4 matches are shown" in last  # a fifth match exists past the last page offered
    assert client.get(url, {"q": "dock", "page": "99"}).content.decode().count("Dock model") == 2  # the last page
    assert client.get(url, {"q": "dock", "page": "x"}).content.decode().count("Dock model") == 2


def test_a_search_with_few_matches_has_no_pager_nor_cap_note(client_for, owner, make_article):
    make_article(title="Dock model")
    body = client_for(owner).get(reverse("knowledge:article-list"), {"q": "dock"}).content.decode()
    assert "Dock model" in body and "page=2" not in body and 'id="article-search-capped"' not in body


def test_bad_filter_answers_400_per_field(client_for, owner):
    response = client_for(owner).get(reverse("knowledge:article-list"), {"state": "nope"})
    assert response.status_code == 400
    assert "state" in response.content.decode()


def test_article_page_for_owner_teammate_and_outsider(client_for, owner, teammate, outsider, make_article, other_team):
    article = make_article(title="Team only", audience=ArticleAudience.TEAMS, audience_teams=[other_team])
    assert client_for(outsider).get(article.get_absolute_url()).status_code == 200
    assert client_for(owner).get(article.get_absolute_url()).status_code == 404
    assert client_for(teammate).get(article.get_absolute_url()).status_code == 404


def test_old_slug_redirects_permanently(client_for, owner, agent, make_article):
    article = make_article(title="VPN setup")
    data = article_data_of(article)
    data.title = "VPN set-up guide"
    article = article_update(article=article, actor=agent, data=data)
    response = client_for(agent).get("/knowledge/vpn-setup/")
    assert response.status_code == 301 and response["Location"] == "/knowledge/vpn-set-up-guide/"


def test_stale_and_retired_notices(client_for, owner, agent, make_article):
    replacement = make_article(title="New VPN")
    stale = make_article(title="Stale VPN", review_by=dt.date(2020, 1, 1))
    assert "may be out of date" in client_for(owner).get(stale.get_absolute_url()).content.decode()
    client_for(agent).post(
        reverse("knowledge:article-transition", args=[stale.slug]), {"to": "retired", "replaced_by": replacement.slug}
    )
    body = client_for(owner).get(stale.get_absolute_url()).content.decode()
    assert "is retired" in body and replacement.get_absolute_url() in body


def test_readers_may_not_edit_or_see_history(client_for, owner, make_article):
    article = make_article()
    client = client_for(owner)
    assert client.get(reverse("knowledge:article-edit", args=[article.slug])).status_code == 403
    assert client.get(reverse("knowledge:article-history", args=[article.slug])).status_code == 403
    assert (
        client.post(reverse("knowledge:article-transition", args=[article.slug]), {"to": "retired"}).status_code == 403
    )
    assert client.get(reverse("knowledge:article-create")).status_code == 403


def test_writer_creates_edits_and_diffs(client_for, agent, desk_team):
    client = client_for(agent)
    response = client.post(
        reverse("knowledge:article-create"),
        {
            "title": "Printer setup",
            "owner_team": desk_team.slug,
            "body_md": "one",
            "audience": "everyone",
            "tags": "print, office",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/knowledge/printer-setup/"
    edit = reverse("knowledge:article-edit", args=["printer-setup"])
    form = {
        "title": "Printer setup",
        "owner_team": desk_team.slug,
        "body_md": "two",
        "audience": "everyone",
        "version": 1,
    }
    assert client.post(edit, form).status_code == 302
    assert client.post(edit, form).status_code == 409  # version 1 is stale now
    history = client.get(reverse("knowledge:article-history", args=["printer-setup"]), {"old": 1, "new": 2})
    body = history.content.decode()
    assert 'class="diff-removed">- one' in body and 'class="diff-added">+ two' in body
    assert str(person_of(agent)) in body and 'title="agent"' in body  # the author, shown as every page shows people
    restore = client.post(reverse("knowledge:article-restore", args=["printer-setup", 1]))
    assert restore.status_code == 302


def test_invalid_article_form_keeps_input_and_names_fields(client_for, agent, desk_team):
    response = client_for(agent).post(
        reverse("knowledge:article-create"), {"title": "Teams only", "owner_team": desk_team.slug, "audience": "teams"}
    )
    assert response.status_code == 200
    assert "Name the teams that may read the article." in response.content.decode()


def test_feedback_once_per_revision_with_htmx_fragment(client_for, owner, make_article):
    article = make_article()
    client = client_for(owner)
    url = reverse("knowledge:article-feedback", args=[article.slug])
    response = client.post(url, {"helped": "no", "comment": "Outdated"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert "recorded" in response.content.decode()
    client.post(url, {"helped": "yes"})
    assert Feedback.objects.filter(user=owner).count() == 1


def test_needs_review_lists_only_the_readers_teams(client_for, agent, owner, make_article):
    make_article(title="Old runbook", review_by=dt.date(2020, 1, 1))
    assert "Old runbook" in client_for(agent).get(reverse("knowledge:article-needs-review")).content.decode()
    assert "Old runbook" not in client_for(owner).get(reverse("knowledge:article-needs-review")).content.decode()


def test_suggestions_count_shown_and_opened(client_for, owner, make_article, vpn, vpn_item):
    article = make_article(title="VPN keeps disconnecting", services=[vpn])
    client = client_for(owner)
    response = client.get(reverse("knowledge:article-suggest"), {"item": vpn_item.slug, "text": "vpn drops"})
    assert "VPN keeps disconnecting" in response.content.decode() and "<html" not in response.content.decode()
    assert SuggestionCount.objects.get(article=article, item=vpn_item).shown == 1
    client.get(article.get_absolute_url(), {"from": vpn_item.slug})
    assert SuggestionOpen.objects.filter(article=article, item=vpn_item, user=owner).count() == 1


def test_report_for_agents_only(client_for, agent, owner):
    assert client_for(agent).get(reverse("knowledge:article-report")).status_code == 200
    assert client_for(owner).get(reverse("knowledge:article-report")).status_code == 403
