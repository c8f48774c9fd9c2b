"""Ranked search on the running database (SQLite FTS5 by default, PostgreSQL under DATABASE_URL): ranking,
snippets, permissions, retired articles and the index kept current."""

import pytest
from django.db import connection

from apps.knowledge.models import ArticleAudience
from apps.knowledge.search import search, terms
from apps.knowledge.selectors import article_searchable_for, suggestions
from apps.knowledge.services import article_data_of, article_retire, article_transition, article_update
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _titles(hits):
    return [hit.article.title for hit in hits]


def test_a_title_hit_beats_a_body_hit(make_article, owner):
    make_article(title="Printer jams", body_md="When the printer jams, the laptop dock also may need a restart.")
    make_article(title="Laptop dock", body_md="Plug the dock in.")
    make_article(title="Unrelated", body_md="Nothing here.")
    hits = search(article_searchable_for(owner), "dock")
    assert _titles(hits) == ["Laptop dock", "Printer jams"]
    assert hits[0].rank > hits[1].rank


def test_snippet_highlights_and_escapes(make_article, owner):
    make_article(title="Certificates", body_md="Install the <b>VPN</b> certificate before you connect.")
    [hit] = search(article_searchable_for(owner), "certificate")
    assert "<mark>certificate</mark>" in hit.snippet
    assert "<b>" not in hit.snippet  # escaped (SQLite) or dropped as markup (PostgreSQL headline)


def test_prefix_of_the_last_word_matches_while_typing(make_article, owner):
    make_article(title="Multi-factor authentication")
    assert _titles(search(article_searchable_for(owner), "authent")) == ["Multi-factor authentication"]


def test_query_syntax_is_not_interpreted(make_article, owner):
    make_article(title="VPN")
    for text in ['"', "vpn OR", "NEAR(", "vpn:*", "a & b | !c", "*", "'); DROP TABLE x; --"]:
        search(article_searchable_for(owner), text)  # no error
    assert terms('VPN" OR x*') == ["vpn", "or", "x"]


def test_search_never_returns_or_quotes_what_the_reader_may_not_see(make_article, owner, outsider, other_team):
    make_article(title="Secret runbook", body_md="secret rotation steps", audience=ArticleAudience.AGENTS)
    make_article(title="Team secret", body_md="secret", audience=ArticleAudience.TEAMS, audience_teams=[other_team])
    make_article(title="Draft secret", body_md="secret", publish=False)
    other_agent = UserFactory(username="other-agent", roles=["Agents"], member_of=[other_team])
    assert search(article_searchable_for(owner), "secret") == []
    assert _titles(search(article_searchable_for(outsider), "secret")) == ["Team secret"]
    assert sorted(_titles(search(article_searchable_for(other_agent), "secret"))) == ["Secret runbook", "Team secret"]


def test_retired_articles_leave_search_and_edits_are_indexed(make_article, owner, agent, reviewer):
    article = make_article(title="Old VPN client", body_md="cisco")
    assert _titles(search(article_searchable_for(owner), "cisco")) == ["Old VPN client"]
    data = article_data_of(article)
    data.body_md = "wireguard"
    article = article_update(article=article, actor=reviewer, data=data)
    article_transition(article=article, to="published", actor=agent)
    assert search(article_searchable_for(owner), "cisco") == []
    assert _titles(search(article_searchable_for(owner), "wireguard")) == ["Old VPN client"]
    article.refresh_from_db()
    article_retire(article=article, actor=agent)
    assert search(article_searchable_for(owner), "wireguard") == []


def test_suggestions_are_about_the_items_service_and_any_word(make_article, owner, vpn, vpn_item):
    make_article(title="VPN keeps disconnecting", services=[vpn])
    make_article(title="Printer keeps jamming")
    hits = suggestions(owner, item=vpn_item, text="my connection keeps dropping")
    assert _titles(hits) == ["VPN keeps disconnecting"]
    assert _titles(suggestions(owner, item=vpn_item, text="")) == ["VPN keeps disconnecting"]


def test_a_title_hit_stays_first_when_body_hits_pass_the_candidate_cap(make_article, owner, monkeypatch):
    """PostgreSQL ranks capped candidate sets (apps.knowledge.search._candidates): with a cap of 2 and more body
    hits than that, the title hit is still a candidate and ranks first."""
    monkeypatch.setattr("apps.knowledge.search.CANDIDATES", 2)
    for n in range(4):
        make_article(title=f"Body mention {n}", body_md="Restart the dock when it hangs.")
    make_article(title="Dock firmware")
    hits = search(article_searchable_for(owner), "dock", limit=3)
    assert _titles(hits)[0] == "Dock firmware"
    # Two capped sets, unordered: the anywhere set may hold the title hit too, so 2 or 3 rows are ranked.
    assert 2 <= len(hits) <= 3


def test_suggestions_among_the_items_service_only(make_article, owner, vpn, vpn_item, desk_team):
    from tests.factories import ServiceFactory

    other = ServiceFactory(slug="mail", name="Mail", owner_team=desk_team)
    make_article(title="VPN drops", services=[vpn])
    make_article(title="Mail drops", services=[other])
    assert _titles(suggestions(owner, item=vpn_item, text="drops")) == ["VPN drops"]


def test_an_item_nothing_is_about_gets_suggestions_from_every_article(make_article, owner, vpn, desk_team):
    """A catch-all item ("Ask for help") whose service has no article: the whole knowledge base answers."""
    from tests.factories import CatalogItemFactory, ServiceFactory

    help_desk = ServiceFactory(slug="help", name="Help", owner_team=desk_team)
    ask = CatalogItemFactory(slug="ask-for-help", name="Ask for help", service=help_desk, fulfilling_team=desk_team)
    make_article(title="VPN drops", services=[vpn])
    make_article(title="Hidden VPN draft", publish=False)
    assert _titles(suggestions(owner, item=ask, text="my vpn drops")) == ["VPN drops"]
    assert suggestions(owner, item=ask, text="") == []


def test_offset_pages_through_the_same_ranking(make_article, owner):
    for n in range(5):
        make_article(title=f"Dock model {n}", body_md="dock " * (n + 1))
    everything = _titles(search(article_searchable_for(owner), "dock", limit=5))
    assert len(everything) == 5
    assert _titles(search(article_searchable_for(owner), "dock", limit=2, offset=2)) == everything[2:4]
    assert search(article_searchable_for(owner), "dock", limit=2, offset=5) == []


def test_snippets_can_be_left_out(make_article, owner):
    make_article(title="Certificates", body_md="Install the VPN certificate before you connect.")
    [hit] = search(article_searchable_for(owner), "certificate", snippets=False)
    assert hit.article.title == "Certificates" and str(hit.snippet) == ""


def test_title_hits_found_in_the_first_candidates_are_ranked_first(make_article, owner, monkeypatch):
    """Past the cap, the first candidates already hold a title hit: ranked first without the second scan."""
    monkeypatch.setattr("apps.knowledge.search.CANDIDATES", 2)
    make_article(title="Dock firmware")
    for n in range(4):
        make_article(title=f"Body mention {n}", body_md="Restart the dock when it hangs.")
    assert _titles(search(article_searchable_for(owner), "dock", limit=1)) == ["Dock firmware"]


def test_ranking_statements_are_planned_for_their_words(make_article, owner, monkeypatch):
    """PostgreSQL: the ranking statements are never prepared, so each is planned for the words it looks for
    (a generic plan kept for every word reads the whole table for a rare one)."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements and their generic plans are PostgreSQL's")
    make_article(title="Dock firmware")
    connection.ensure_connection()
    raw = connection.connection
    monkeypatch.setattr(raw, "prepare_threshold", 1)  # prepare every statement from its second run
    for text in ["dock", "firmware", "dock", "firmware"] * 3:
        assert _titles(search(article_searchable_for(owner), text)) == ["Dock firmware"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert prepared  # the other statements were prepared
    assert not [statement for statement in prepared if "ts_rank" in statement]
    assert raw.prepare_threshold == 1  # restored after each search
