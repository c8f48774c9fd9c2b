from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

from apps.accounts.choices import Role
from apps.accounts.models import User
from apps.accounts.selectors import team_ids_for
from apps.knowledge.choices import READABLE_STATES, ArticleAudience

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from apps.knowledge.models import Article  # noqa: F401  # named in the QuerySet["..."] base for mypy

#: Roles that read "agents only" articles.
AGENT_ROLES = (Role.AGENT.value, Role.MANAGER.value, Role.ADMINISTRATOR.value)
# Where is_agent keeps its answer on the user object; no other code reads or writes it.
_IS_AGENT_CACHE = "_knowledge_is_agent"


def team_ids(user: User | AnonymousUser) -> frozenset[int]:
    """Teams ``user`` belongs to (accounts.selectors.team_ids_for, read once per request: views, filters and
    search ask repeatedly) and, for a service account, the owner team it acts for."""
    member = team_ids_for(user).member
    if isinstance(user, User) and user.owner_team_id is not None:
        return member | {user.owner_team_id}
    return member


def is_agent(user: User) -> bool:
    """Whether ``user`` reads "agents only" articles; asked once per user object (a request)."""
    cached = getattr(user, _IS_AGENT_CACHE, None)
    if cached is None:
        cached = user.is_superuser or user.groups.filter(name__in=AGENT_ROLES).exists()
        setattr(user, _IS_AGENT_CACHE, cached)
    return bool(cached)


class ArticleQuerySet(models.QuerySet["Article"]):
    def visible_to(self, user: User | AnonymousUser) -> ArticleQuerySet:
        """Articles ``user`` may read: every state of their teams' articles; otherwise published or retired
        articles whose audience includes them. Superusers see everything."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        teams = team_ids(user)
        audience = Q(audience=ArticleAudience.EVERYONE) | Q(
            audience=ArticleAudience.TEAMS,
            pk__in=self.model.audience_teams.through.objects.filter(team_id__in=teams).values("article_id"),
        )
        if is_agent(user):
            audience |= Q(audience=ArticleAudience.AGENTS)
        return self.filter(Q(owner_team_id__in=teams) | (Q(state__in=READABLE_STATES) & audience))
