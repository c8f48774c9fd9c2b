"""Side concerns kept in step with other apps' writes: deflection counting and the search index.

A request filed for an item marks the filer's recently opened suggestions for that item as not deflected.
The sender is named by label, so knowledge imports nothing from fulfillment (tests/test_layers.py).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.knowledge import search
from apps.knowledge.models import Article
from apps.knowledge.selectors import abandon_after
from apps.knowledge.services.feedback import suggestion_filed


@receiver(post_save, sender="fulfillment.ServiceRequest", dispatch_uid="knowledge-request-filed")
def request_filed(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw and settings.STEWARD_KNOWLEDGE_COUNT_DEFLECTION:
        suggestion_filed(user_id=instance.requester_id, item_id=instance.item_id, window=abandon_after())


@receiver(post_delete, sender=Article, dispatch_uid="knowledge-article-deleted")
def article_deleted(sender: Any, instance: Article, **kwargs: Any) -> None:
    search.unindex_article(instance.pk)
