"""The demo knowledge base: about forty articles, some stale and retired, with revisions and feedback; idempotent;
``requester`` typing "VPN" on the VPN access form is shown the VPN article; seed_scale --articles."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.knowledge.models import Article, Feedback, Revision, SuggestionOpen
from apps.knowledge.search import search
from apps.knowledge.selectors import article_searchable_for

pytestmark = pytest.mark.django_db


def _counts():
    return [m.objects.count() for m in (Article, Revision, Feedback, SuggestionOpen)]


def test_seed_demo_writes_the_knowledge_base_once():
    call_command("seed_demo", requests=5, changes=2)
    first = _counts()
    assert 35 <= first[0] <= 50
    assert Article.objects.filter(state="retired", replaced_by__isnull=False).count() >= 4
    assert Article.objects.filter(state="published", review_by__lt=timezone.localdate()).count() >= 4
    assert first[1] >= 2 * first[0] and first[2] > 0
    call_command("seed_demo", requests=5, changes=2)
    assert _counts() == first

    requester = User.objects.get(username="requester")
    client = Client()
    client.force_login(requester)
    answer = client.get(reverse("knowledge:article-suggest"), {"item": "vpn-access", "text": "VPN"})
    assert "VPN keeps disconnecting" in answer.content.decode()
    agents_only = [hit.article.title for hit in search(article_searchable_for(requester), "split tunnelling")]
    assert agents_only == []


def test_seed_scale_adds_indexed_articles():
    call_command("seed_demo", requests=1, changes=1)
    before = Article.objects.count()
    call_command("seed_scale", articles=50, users=5, teams=1)
    assert Article.objects.count() == before + 50
    generated = Article.objects.filter(title__contains=" #", state="published")
    assert generated.count() == 50
    assert {hit.article.pk for hit in search(generated, "check", limit=100)} == set(
        generated.values_list("pk", flat=True)
    )
