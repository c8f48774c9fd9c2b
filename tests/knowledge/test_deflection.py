"""Deflection counting: suggestions shown and opened, requests filed after an opened suggestion, the report."""

import datetime as dt

import pytest
from django.utils import timezone

from apps.knowledge.models import SuggestionCount, SuggestionOpen
from apps.knowledge.selectors import deflection_report
from apps.knowledge.services import suggestion_opened, suggestions_shown
from tests.fulfillment.factories import ServiceRequestFactory

pytestmark = pytest.mark.django_db


def test_filing_the_item_after_opening_a_suggestion_is_not_a_deflection(make_article, owner, teammate, vpn_item):
    article = make_article()
    suggestion_opened(article=article, item_id=vpn_item.pk, user=owner)
    suggestion_opened(article=article, item_id=vpn_item.pk, user=teammate)
    ServiceRequestFactory(requester=owner, item=vpn_item)
    assert SuggestionOpen.objects.get(user=owner).filed_at is not None
    assert SuggestionOpen.objects.get(user=teammate).filed_at is None


def test_report_counts_shown_opened_and_abandoned_per_article_and_item(make_article, owner, teammate, vpn_item):
    article = make_article(title="VPN drops")
    today = timezone.localdate()
    suggestions_shown(article_ids=[article.pk], item_id=vpn_item.pk)
    suggestions_shown(article_ids=[article.pk], item_id=vpn_item.pk)
    long_ago = timezone.now() - dt.timedelta(hours=2)
    suggestion_opened(article=article, item_id=vpn_item.pk, user=owner, now=long_ago)  # left without filing
    suggestion_opened(article=article, item_id=vpn_item.pk, user=teammate)  # still within the window
    report = deflection_report(start=today - dt.timedelta(days=1), end=today)
    [row] = report["articles"]
    assert (row.label, row.shown, row.opened, row.abandoned, row.rate) == ("VPN drops", 2, 2, 1, 0.5)
    [item_row] = report["items"]
    assert (item_row.label, item_row.shown) == ("VPN access", 2)
    assert deflection_report(start=today - dt.timedelta(days=9), end=today - dt.timedelta(days=5))["articles"] == []


def test_showings_are_counted_per_article_item_and_day_in_one_statement(
    make_article, vpn_item, django_assert_num_queries
):
    first, second = make_article(title="VPN drops"), make_article(title="VPN is slow")
    day = timezone.localdate()
    suggestions_shown(article_ids=[first.pk], item_id=vpn_item.pk, day=day)
    with django_assert_num_queries(1):  # one known row and one new: one upsert
        suggestions_shown(article_ids=[second.pk, first.pk, first.pk], item_id=vpn_item.pk, day=day)
    suggestions_shown(article_ids=[first.pk], item_id=vpn_item.pk, day=day - dt.timedelta(days=1))
    suggestions_shown(article_ids=[], item_id=vpn_item.pk)
    counts = {(row.article_id, row.day): row.shown for row in SuggestionCount.objects.all()}
    assert counts == {(first.pk, day): 2, (second.pk, day): 1, (first.pk, day - dt.timedelta(days=1)): 1}
