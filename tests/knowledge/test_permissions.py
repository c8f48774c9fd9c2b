"""apps.knowledge.querysets.team_ids and is_agent: what every article permission reads of the user, once."""

import pytest
from django.contrib.auth.models import AnonymousUser

from apps.accounts.models import User
from apps.accounts.selectors import team_ids_for
from apps.knowledge.models import Article
from apps.knowledge.permissions import can_create_article
from apps.knowledge.querysets import is_agent, team_ids


@pytest.mark.django_db
def test_a_service_account_reads_its_owner_teams_articles(make_article, desk_team):
    article = make_article(publish=False)
    bot = User.objects.create(username="kb-bot", is_service_account=True, owner_team=desk_team)

    assert team_ids(bot) == {desk_team.pk}
    assert Article.objects.visible_to(bot).filter(pk=article.pk).exists()  # a draft: only its team sees it


@pytest.mark.django_db
def test_anonymous_has_no_teams_and_sees_no_article(make_article):
    make_article()
    assert team_ids(AnonymousUser()) == frozenset()
    assert not Article.objects.visible_to(AnonymousUser()).exists()


@pytest.mark.django_db
def test_teams_and_role_are_read_once_per_request(agent, desk_team, django_assert_num_queries):
    team_ids_for(agent)  # another app read the teams earlier in the request
    with django_assert_num_queries(1):  # the role
        assert can_create_article(agent)
        assert can_create_article(agent)
    with django_assert_num_queries(0):
        assert team_ids(agent) == {desk_team.pk} and is_agent(agent)
