"""Who may read, write, publish and review articles (hidden -> 404, read-only -> 403)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from apps.accounts.models import User
from apps.knowledge.choices import EDITABLE_STATES
from apps.knowledge.models import Article, ReviewPolicy
from apps.knowledge.querysets import is_agent, team_ids
from apps.knowledge.selectors import article_queryset_for


def can_write_for(user: User, team_id: int | None) -> bool:
    """Agents and managers write their own teams' articles; superusers any team's."""
    if user.is_superuser:
        return True
    return team_id is not None and team_id in team_ids(user) and is_agent(user)


def can_create_article(user: User) -> bool:
    return user.is_superuser or (bool(team_ids(user)) and is_agent(user))


def can_edit_article(user: User, article: Article) -> bool:
    """Writers of the owner team, while the article is not retired (a retired one is first moved to draft)."""
    return can_write_for(user, article.owner_team_id)


def can_edit_text(user: User, article: Article) -> bool:
    return article.state in EDITABLE_STATES and can_edit_article(user, article)


def requires_review(team_id: int) -> bool:
    """Whether publishing an article of the team needs a second person (ReviewPolicy, else the setting)."""
    policy = ReviewPolicy.objects.filter(team_id=team_id).values_list("requires_review", flat=True).first()
    return bool(settings.STEWARD_KNOWLEDGE_REVIEW_REQUIRED if policy is None else policy)


def can_publish_article(user: User, article: Article) -> bool:
    """A writer of the owner team; when the team requires review, one other than the last author."""
    if not can_edit_article(user, article):
        return False
    return not requires_review(article.owner_team_id) or article.last_author_id != user.pk


def get_article_for_user(user: User, slug: str, *, for_edit: bool = False) -> Article:
    """The article at ``slug`` if ``user`` may read it (else 404); ``for_edit`` also needs edit rights (403).

    Old slugs are not looked up here: the article page redirects them (selectors.article_by_old_slug).
    """
    article = get_object_or_404(article_queryset_for(user), slug=slug)
    if for_edit and not can_edit_article(user, article):
        raise PermissionDenied("You may read this article but not change it.")
    return article
