"""Article states, audiences and the one table that says which state moves are legal."""

from django.db import models


class ArticleState(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


class ArticleAudience(models.TextChoices):
    EVERYONE = "everyone", "Everyone"
    AGENTS = "agents", "Agents only"
    TEAMS = "teams", "Some teams"


S = ArticleState

# state -> states it may move to; apps.knowledge.services.article_transition enforces it. Publishing straight
# from draft is allowed only when the owner team does not require review (services.article_publish).
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.IN_REVIEW, S.PUBLISHED, S.RETIRED}),
    S.IN_REVIEW: frozenset({S.DRAFT, S.PUBLISHED, S.RETIRED}),
    S.PUBLISHED: frozenset({S.IN_REVIEW, S.RETIRED}),
    S.RETIRED: frozenset({S.DRAFT}),
}
# What readers outside the owner team see: published articles, and retired ones (their URL keeps a notice).
READABLE_STATES = frozenset({S.PUBLISHED, S.RETIRED})
# What search and suggestions return.
SEARCHABLE_STATES = frozenset({S.PUBLISHED})
EDITABLE_STATES = frozenset({S.DRAFT, S.IN_REVIEW, S.PUBLISHED})
