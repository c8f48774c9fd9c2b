"""The demo tells coherent stories: answers and subjects that fit their items, requests in every state with
some overdue and escalated so that every ready view of the queue shows something, dates that mean "needed by"
refusing the past, and an "Ask for help" item for whatever the catalog does not cover."""

import random
import re

import pytest
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.catalog.formdefs import clean_answers, validate_definition
from apps.catalog.models import CatalogItem
from apps.catalog.selectors import HELP_ITEM_SLUG
from apps.core.selectors import audit_events_for
from apps.demo import data
from apps.demo.answers import FILLER, AnswerPools, sample_answers
from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.filters import READY_VIEWS, overdue_q
from apps.fulfillment.models import ServiceRequest
from apps.fulfillment.selectors.sla import CLOCK_PAUSED, CLOCK_RUNNING
from tests.factories import TeamFactory, UserFactory

FREE_TEXT = ("text", "long_text")
POOLS = AnswerPools(usernames=["requester", "agent"], team_slugs=["sre"], joinable_slugs=["platform-guild"])


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def queue_rows(client: Client, **params: str) -> set[str]:
    return set(re.findall(r'href="/requests/(SR-\d+)/"', client.get("/requests/queue/", params).content.decode()))


# --- the tables ---------------------------------------------------------------------------------------------


def test_every_long_free_text_question_has_answers_of_its_own_item():
    for slug, item in data.ITEMS.items():
        own = data.ITEM_EXAMPLES.get(slug, {})
        for spec in item["form"]:
            if spec["type"] == "long_text":
                assert own.get(spec["name"]), f"{slug}: {spec['name']} has no answers of its own"
            elif spec["type"] == "text":
                assert own.get(spec["name"]) or data.TEXT_EXAMPLES.get(spec["name"]), f"{slug}: {spec['name']}"
    # No example is left for a question that is gone.
    for slug, answers in data.ITEM_EXAMPLES.items():
        names = {spec["name"] for spec in data.ITEMS[slug]["form"]}
        assert set(answers) <= names, slug


@pytest.mark.django_db
def test_item_answers_pass_their_form_and_are_the_items_own():
    for username in POOLS.usernames:
        UserFactory(username=username)
    TeamFactory(slug="sre")
    TeamFactory(slug="platform-guild", joinable=True)
    rng = random.Random(7)
    for slug, item in data.ITEMS.items():
        definition = validate_definition({"fields": item["form"]})
        own = data.ITEM_EXAMPLES.get(slug, {})
        for _ in range(20):
            answers = sample_answers(definition, rng, POOLS, examples=own)
            assert clean_answers(definition, answers) == answers
            for name, texts in own.items():
                if name in answers:
                    assert answers[name].removesuffix(f" {FILLER}") in texts, (slug, name)


def test_dates_that_mean_needed_by_refuse_the_past():
    dated = {
        (slug, spec["name"]): spec.get("not_before_today", False)
        for slug, item in data.ITEMS.items()
        for spec in item["form"]
        if spec["type"] == "date"
    }
    assert dated == {
        ("vpn-access", "end_date"): True,
        ("new-laptop", "needed_by"): True,
        ("repository-access", "until"): True,
        ("sso-integration", "go_live"): True,
        ("onboarding-bundle", "start_date"): True,
    }


# --- the seeded history ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_seeded_requests_fit_their_items_and_every_queue_view_has_something(settings):
    call_command("seed_demo", requests=150, changes=0)
    now = timezone.now()
    requests = list(ServiceRequest.objects.select_related("item", "form_version"))

    # Subjects and answers fit their items: the item's name, then one of its own answers when it has some.
    for sr in requests:
        assert sr.subject.startswith(sr.item.name), sr.subject
        for name, texts in data.ITEM_EXAMPLES.get(sr.item.slug, {}).items():
            if name in sr.answers:
                assert sr.answers[name].removesuffix(f" {FILLER}") in texts, (sr.item.slug, name)
    assert {sr.status for sr in requests} == set(RequestStatus.values)

    # The clocks follow the backdated stories: some running requests are overdue and escalated by the sweep
    # (a minute after their due time, as the audit trail says), others still have time; paused ones have none.
    running = ServiceRequest.objects.filter(status__in=CLOCK_RUNNING)
    overdue = running.filter(overdue_q(now))
    assert overdue.exists() and running.exclude(overdue_q(now)).exists()
    escalated = running.filter(escalated_at__isnull=False)
    assert escalated.exists()
    for sr in escalated:
        assert sr.due_at < sr.escalated_at <= now
        events = audit_events_for(sr).filter(verb="sla_escalated")
        assert [event.created_at for event in events] == [sr.escalated_at]
    assert not ServiceRequest.objects.filter(status__in=CLOCK_PAUSED, due_at__isnull=False).exists()
    assert ServiceRequest.objects.filter(status=RequestStatus.CLOSED, due_at__lt=F("fulfilled_at")).exists()

    # Every ready view of the queue, and the overdue filter, shows rows to the demo agent.
    agent = signed_in("agent")
    for view, label in READY_VIEWS:
        assert queue_rows(agent, view=view), f"the ready view “{label}” is empty"
    assert queue_rows(agent, due="overdue")


# --- "Ask for help" --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ask_for_help_is_seeded_reachable_and_files_a_free_text_question():
    call_command("seed_demo", requests=0, changes=0)
    item = CatalogItem.objects.select_related("current_form", "category").get(slug=HELP_ITEM_SLUG)
    assert item.status == "published" and item.audience == "everyone" and item.category.slug == "help"
    [question] = item.current_form.definition["fields"]
    assert (question["name"], question["type"], question["required"]) == ("question", "long_text", True)

    client = signed_in("requester")
    create_url = reverse("fulfillment:request-create", args=[HELP_ITEM_SLUG])
    home = client.get(reverse("catalog:home")).content.decode()
    assert f'id="catalog-help">Nothing fits? <a href="{create_url}">' in home
    nothing = client.get(reverse("catalog:search"), {"q": "zeppelin"}).content.decode()
    assert f'<a href="{create_url}" id="catalog-help">Ask for help</a>' in nothing
    found = client.get(reverse("catalog:search"), {"q": "laptop"}).content.decode()
    assert 'id="catalog-help"' not in found

    page = client.get(create_url).content.decode()
    assert "data-knowledge-suggest" in page and f'data-item="{HELP_ITEM_SLUG}"' in page
    assert '<textarea name="question"' in page

    response = client.post(create_url, {"question": "Outlook keeps asking for my password.", "sr-priority": "normal"})
    sr = ServiceRequest.objects.get(item=item)
    assert response.status_code == 302 and sr.subject == "Ask for help: Outlook keeps asking for my password."
    assert sr.team.slug == "service-desk"


@pytest.mark.django_db
def test_ask_for_help_gets_articles_from_the_whole_knowledge_base_as_the_question_is_typed():
    call_command("seed_demo", requests=0, changes=0)
    client = signed_in("requester")
    url = reverse("knowledge:article-suggest")
    # No article is about "General help": the question is answered from every service's articles.
    for text, expected in (("vpn", "VPN"), ("outlook password", "")):
        page = client.get(url, {"item": HELP_ITEM_SLUG, "text": text}).content.decode()
        titles = re.findall(r'target="_blank" rel="noopener">([^<]+)</a>', page)
        assert titles, text
        if expected:
            assert any(expected in title for title in titles), titles
