"""Linking articles to things of other apps (a service request's answer), through apps.knowledge.registry."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from apps.accounts.models import User
from apps.core.services import audit_record
from apps.knowledge.choices import ArticleState
from apps.knowledge.models import Article, ArticleLink
from apps.knowledge.registry import get_link_subject


def _check_can_link(actor: User, subject_type: str, subject_id: str) -> Any:
    handler, subject = get_link_subject(actor, subject_type, subject_id)  # Http404 when hidden
    if not handler.can_link(actor, subject):
        raise PermissionDenied("Only the people who work on it link articles to it.")
    return subject


@transaction.atomic
def article_link(*, article: Article, subject_type: str, subject_id: str, actor: User) -> ArticleLink:
    """Link a published article to the subject; linking it again leaves the one link there is."""
    _check_can_link(actor, subject_type, subject_id)
    if article.state != ArticleState.PUBLISHED:
        raise ValidationError({"article": "Only published articles can be linked."})
    existing = ArticleLink.objects.filter(article=article, subject_type=subject_type, subject_id=subject_id).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():  # the unique constraint decides a race between two clicks
            link = ArticleLink.objects.create(
                article=article, subject_type=subject_type, subject_id=subject_id, linked_by=actor
            )
    except IntegrityError:
        return ArticleLink.objects.get(article=article, subject_type=subject_type, subject_id=subject_id)
    audit_record(target=article, verb="knowledge.article.linked", actor=actor, subject=f"{subject_type}:{subject_id}")
    return link


@transaction.atomic
def article_unlink(*, article: Article, subject_type: str, subject_id: str, actor: User) -> None:
    """Remove the link of the article to the subject, if there is one."""
    _check_can_link(actor, subject_type, subject_id)
    deleted, _ = ArticleLink.objects.filter(article=article, subject_type=subject_type, subject_id=subject_id).delete()
    if deleted:
        audit_record(
            target=article, verb="knowledge.article.unlinked", actor=actor, subject=f"{subject_type}:{subject_id}"
        )
