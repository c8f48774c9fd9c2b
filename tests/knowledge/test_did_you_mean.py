"""Typo tolerance on the running database: "did you mean" from title words (pg_trgm trigram similarity on
PostgreSQL, difflib on SQLite), offered only when it finds more, and never naming a word of a hidden title."""

import pytest
from django.urls import reverse

from apps.knowledge.choices import ArticleAudience
from apps.knowledge.models import SearchWord
from apps.knowledge.search import did_you_mean, near_words, search
from apps.knowledge.selectors import article_did_you_mean, article_searchable_for
from apps.knowledge.services import article_data_of, article_update
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_titles_fill_the_vocabulary_and_renames_add_words(make_article, agent):
    article = make_article(title="Reset your VPN password (2FA) #12")
    assert {"reset", "your", "vpn", "password", "2fa"} <= set(SearchWord.objects.values_list("word", flat=True))
    assert not SearchWord.objects.filter(word__in=["12", "#12"]).exists()  # numbers and short words stay out
    data = article_data_of(article)
    data.title = "Reset your Wireguard password"
    article_update(article=article, actor=agent, data=data)
    assert SearchWord.objects.filter(word="wireguard").exists()


def test_near_words_of_a_typo(make_article):
    make_article(title="Connect to the VPN")
    make_article(title="Printer jams")
    assert near_words("vpm")[:1] == ["vpn"]
    assert near_words("printr")[:1] == ["printer"]
    assert near_words("zzzzzz") == []


def test_a_misspelt_query_gets_the_corrected_one(make_article, owner):
    make_article(title="Reset your VPN password", body_md="Open the portal.")
    articles = article_searchable_for(owner)
    assert search(articles, "resett pasword") == []
    assert did_you_mean(articles, "resett pasword", found=0) == "reset password"


def test_known_words_and_enough_results_get_no_correction(make_article, owner):
    for n in range(3):
        make_article(title=f"Printer jams {n}")
    articles = article_searchable_for(owner)
    assert article_did_you_mean(articles, "printr", found=3) is None  # enough results: nothing asked
    assert did_you_mean(articles, "printer", found=0) is None  # nothing to correct
    assert did_you_mean(articles, "", found=0) is None


def test_a_correction_that_finds_no_more_is_not_offered(make_article, owner):
    make_article(title="Certificate renewal")
    articles = article_searchable_for(owner)
    found = len(search(articles, "certif"))  # the last word is a prefix: already found
    assert found == 1
    assert did_you_mean(articles, "certif", found=found) is None


def test_never_names_a_word_of_a_title_the_reader_may_not_see(make_article, owner, desk_team):
    make_article(title="Rotate the kubernetes secrets", audience=ArticleAudience.AGENTS)
    make_article(title="Kubernetes draft", publish=False)
    # Visible, with the word in its body only: a correction would reveal the hidden titles' word.
    make_article(title="Cluster access", body_md="Ask for kubernetes access here.")
    assert SearchWord.objects.filter(word="kubernetes").exists()
    assert did_you_mean(article_searchable_for(owner), "kubernetis", found=0) is None
    desk_agent = UserFactory(username="desk-agent", roles=["Agents"], member_of=[desk_team])
    assert did_you_mean(article_searchable_for(desk_agent), "kubernetis", found=0) == "kubernetes"


def test_search_page_offers_the_correction_as_a_link(client_for, owner, make_article):
    make_article(title="Reset your VPN password")
    response = client_for(owner).get(reverse("knowledge:article-list"), {"q": "pasword", "page": "1"})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="article-did-you-mean"' in body
    assert 'href="?q=password"' in body
    fragment = client_for(owner).get(reverse("knowledge:article-list"), {"q": "password"}, HTTP_HX_REQUEST="true")
    assert "article-did-you-mean" not in fragment.content.decode()
