"""The weekly reminder to owner teams about articles past their review-by date."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from apps.accounts.models import User
from apps.core.links import site_url
from apps.core.notifications import Email, notification_queue
from apps.knowledge.choices import ArticleState
from apps.knowledge.models import Article, ReviewReminder


def _recipients(article: Article) -> list[User]:
    members = article.owner_team.members.filter(is_active=True, is_service_account=False).exclude(email="")
    return list(members.order_by("pk"))


def review_reminder_send(*, article_id: int, week: dt.date) -> list[int]:
    """Remind the owner team of one stale article, once per week: the ReviewReminder row is the claim."""
    with transaction.atomic():
        article = Article.objects.select_related("owner_team").filter(pk=article_id).first()
        if article is None or article.state != ArticleState.PUBLISHED or article.review_by is None:
            return []
        try:
            with transaction.atomic():
                ReviewReminder.objects.create(article=article, week=week)
        except IntegrityError:
            return []  # already reminded this week
        url = site_url(article.get_absolute_url())
        body = render_to_string("knowledge/email/review_reminder.txt", {"article": article, "url": url})
        subject = f"Article past its review date: {article.title}"
        emails = [Email(to=person.email, subject=subject, body=body) for person in _recipients(article)]
        return notification_queue(event_key=f"knowledge.review:{article.pk}:{week.isoformat()}", emails=emails)


def stale_article_ids(*, today: dt.date, week: dt.date) -> list[int]:
    """Published articles past review whose owners were not yet reminded this week."""
    stale = Article.objects.filter(state=ArticleState.PUBLISHED, review_by__lt=today)
    return list(stale.exclude(review_reminders__week=week).order_by("pk").values_list("pk", flat=True))


def review_reminders_send(*, today: dt.date | None = None) -> int:
    """Remind owners of every published article past review; running twice in a week sends nothing new."""
    today = today or timezone.localdate()
    week = today - dt.timedelta(days=today.weekday())
    return sum(len(review_reminder_send(article_id=pk, week=week)) for pk in stale_article_ids(today=today, week=week))
