"""Fixtures of the knowledge tests: writers of the desk team, a VPN service and article maker ``make_article``.

- ``agent`` (tests/conftest.py) writes for ``desk_team``; ``reviewer`` is a second desk agent;
- ``owner``, ``teammate`` and ``outsider`` are end users who only read.
"""

import pytest

from apps.knowledge.models import ReviewPolicy
from apps.knowledge.services import ArticleData, article_create, article_transition
from tests.factories import CatalogItemFactory, ServiceFactory, UserFactory


@pytest.fixture
def reviewer(desk_team):
    return UserFactory(username="reviewer", roles=["Agents"], member_of=[desk_team])


@pytest.fixture
def vpn(desk_team):
    return ServiceFactory(slug="vpn", name="VPN", owner_team=desk_team)


@pytest.fixture
def vpn_item(vpn, desk_team):
    return CatalogItemFactory(slug="vpn-access", name="VPN access", service=vpn, fulfilling_team=desk_team)


@pytest.fixture
def make_article(agent, reviewer, desk_team):
    """``make_article(title=..., publish=True, **data)``: an article by ``agent`` of ``desk_team``, published by
    ``reviewer`` unless ``publish=False``."""

    def make(*, title: str = "Connect to the VPN", publish: bool = True, author=None, **data):
        data.setdefault("owner_team", desk_team)
        article = article_create(actor=author or agent, data=ArticleData(title=title, **data))
        if publish:
            article = article_transition(article=article, to="in_review", actor=author or agent)
            article = article_transition(article=article, to="published", actor=reviewer)
        return article

    return make


@pytest.fixture
def no_review(desk_team):
    return ReviewPolicy.objects.create(team=desk_team, requires_review=False)
