from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q

from apps.accounts.choices import Role
from apps.knowledge.choices import READABLE_STATES, ArticleAudience

if TYPE_CHECKING:
    from apps.knowledge.models import Article  # noqa: F401  # named in the QuerySet["..."] base for mypy

#: Roles that read "agents only" articles.
AGENT_ROLES = (Role.AGENT.value, Role.MANAGER.value, Role.ADMINISTRATOR.value)


def team_ids(user: Any) -> frozenset[int]:
    """Teams ``user`` belongs to, read once per user object (views, filters and search ask repeatedly)."""
    cached = getattr(user, "_knowledge_team_ids", None)
    if cached is None:
        ids = set(user.memberships.values_list("team_id", flat=True)) if user.is_authenticated else set()
        if getattr(user, "owner_team_id", None):
            ids.add(user.owner_team_id)  # a service account acts for its owner team
        cached = user._knowledge_team_ids = frozenset(ids)
    return cached


def is_agent(user: Any) -> bool:
    cached = getattr(user, "_knowledge_is_agent", None)
    if cached is None:
        cached = user._knowledge_is_agent = user.is_superuser or user.groups.filter(name__in=AGENT_ROLES).exists()
    return bool(cached)


class ArticleQuerySet(models.QuerySet["Article"]):
    def visible_to(self, user: Any) -> ArticleQuerySet:
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
