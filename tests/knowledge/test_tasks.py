"""The weekly review reminder through the real broker and a real Celery worker: nothing of ours is mocked."""

import datetime as dt

import pytest
from django.core import mail

from apps.knowledge.models import Article, ReviewReminder
from apps.knowledge.services import review_reminders_send
from apps.knowledge.tasks import knowledge_send_review_reminders
from tests.waiting import wait_for


@pytest.mark.django_db
def test_reminds_once_a_week_and_only_for_published_stale_articles(make_article, agent, reviewer):
    stale = make_article(title="Stale", review_by=dt.date(2020, 1, 1))
    make_article(title="Fresh", review_by=dt.date(2999, 1, 1))
    make_article(title="Draft stale", review_by=dt.date(2020, 1, 1), publish=False)
    monday = dt.date(2026, 11, 23)
    assert review_reminders_send(today=monday) == 2  # agent and reviewer, the desk team's members
    assert review_reminders_send(today=monday + dt.timedelta(days=3)) == 0  # same week
    assert review_reminders_send(today=monday + dt.timedelta(days=7)) == 2  # next week, still stale
    assert list(ReviewReminder.objects.values_list("article_id", flat=True).distinct()) == [stale.pk]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_reminder_task_runs_in_the_worker_once(celery_worker, make_article, agent):
    article = make_article(title="Old VPN runbook", review_by=dt.date(2020, 1, 1))

    first = knowledge_send_review_reminders.apply_async(ignore_result=False)
    second = knowledge_send_review_reminders.apply_async(ignore_result=False)

    assert sorted([first.get(timeout=15), second.get(timeout=15)]) == [0, 2]
    assert wait_for(lambda: len([m for m in mail.outbox if "Old VPN runbook" in m.subject]) == 2)
    reminder = next(m for m in mail.outbox if m.to == [agent.email])
    assert Article.objects.get(pk=article.pk).get_absolute_url() in reminder.body
