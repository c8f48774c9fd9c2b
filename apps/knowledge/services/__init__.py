"""Every write to the knowledge base; this package exports the public services.

- articles: create, edit (revisions), lifecycle, publish (review rule), retire, restore
- feedback: "did this help?" votes and the deflection counters
- reminders: the weekly reminder about articles past review
"""

from apps.knowledge.services.articles import (
    ArticleData,
    article_create,
    article_data_of,
    article_publish,
    article_record_view,
    article_restore,
    article_retire,
    article_transition,
    article_update,
)
from apps.knowledge.services.feedback import feedback_give, suggestion_filed, suggestion_opened, suggestions_shown
from apps.knowledge.services.reminders import review_reminders_send

__all__ = [
    "ArticleData",
    "article_create",
    "article_data_of",
    "article_publish",
    "article_record_view",
    "article_restore",
    "article_retire",
    "article_transition",
    "article_update",
    "feedback_give",
    "review_reminders_send",
    "suggestion_filed",
    "suggestion_opened",
    "suggestions_shown",
]
