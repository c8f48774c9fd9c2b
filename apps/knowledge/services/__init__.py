"""Every write to the knowledge base; this package exports the public services.

- articles: create, edit (revisions), lifecycle, publish (review rule), retire, restore
- feedback: "did this help?" votes and the deflection counters
- reminders: the weekly reminder about articles past review
- links: articles linked to other apps' things (a request's answer), via apps.knowledge.registry
- attachments: files and images of articles (checked by apps.core.uploads)
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
from apps.knowledge.services.attachments import attachment_add, attachment_remove
from apps.knowledge.services.feedback import feedback_give, suggestion_filed, suggestion_opened, suggestions_shown
from apps.knowledge.services.links import article_link, article_unlink
from apps.knowledge.services.reminders import review_reminders_send

__all__ = [
    "ArticleData",
    "article_create",
    "article_data_of",
    "article_link",
    "article_publish",
    "article_record_view",
    "article_restore",
    "article_retire",
    "article_transition",
    "article_unlink",
    "article_update",
    "attachment_add",
    "attachment_remove",
    "feedback_give",
    "review_reminders_send",
    "suggestion_filed",
    "suggestion_opened",
    "suggestions_shown",
]
