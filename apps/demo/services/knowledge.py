"""The demo knowledge base: articles written, revised, reviewed and rated through apps.knowledge's services.

Idempotent: an article whose title is already there is left alone, so a second run writes nothing. Some
articles are stale (review date long past), some retired with a link to their replacement.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from apps.accounts.choices import Role
from apps.accounts.models import User
from apps.catalog.models import Service
from apps.demo import data
from apps.demo.knowledge_data import ARTICLES
from apps.demo.services.base import DemoWorld
from apps.knowledge.choices import ArticleAudience
from apps.knowledge.models import Article
from apps.knowledge.services import (
    ArticleData,
    article_create,
    article_data_of,
    article_retire,
    article_transition,
    article_update,
    feedback_give,
    suggestion_opened,
    suggestions_shown,
)

READERS = ["requester", "lena.fischer", "tom.nguyen", "priya.raman", "jonas.berg", "chloe.dubois", "marco.rossi"]


def _writers(world: DemoWorld, team_slug: str) -> tuple[User, User]:
    """The author and the reviewer: the first two agents of the team (demo data order)."""
    agents = [name for name, spec in data.PEOPLE.items() if team_slug in spec["teams"] and Role.AGENT in spec["roles"]]
    return world.people[agents[0]], world.people[agents[1]]


def _body(spec: dict[str, Any]) -> str:
    steps = "\n".join(
        step if step.startswith(("```", "- [")) else f"{n}. {step}" for n, step in enumerate(spec["steps"], 1)
    )
    return f"{spec['summary']}\n\n## Steps\n\n{steps}\n\n## Still stuck?\n\nFile a request and mention this article."


def _write(world: DemoWorld, spec: dict[str, Any], today: dt.date) -> Article:
    service = Service.objects.select_related("owner_team").get(slug=spec["service"])
    author, reviewer = _writers(world, service.owner_team.slug)
    review_by = today - dt.timedelta(days=60) if spec.get("stale") else today + dt.timedelta(days=180)
    article_data = ArticleData(
        title=spec["title"],
        owner_team=service.owner_team,
        summary=spec["summary"],
        body_md=spec["summary"],
        services=[service],
        tags=spec["tags"],
        audience=ArticleAudience.AGENTS if spec.get("agents") else ArticleAudience.EVERYONE,
        review_by=review_by,
    )
    article = article_create(actor=author, data=article_data, message="First draft")
    revised = article_data_of(article)
    revised.body_md = _body(spec)
    article = article_update(article=article, actor=author, data=revised, message="Add the steps")
    article = article_transition(article=article, to="in_review", actor=author)
    return article_transition(article=article, to="published", actor=reviewer)


def _rate(world: DemoWorld, article: Article, helped: int, unhelpful: int) -> None:
    votes = [True] * helped + [False] * unhelpful
    for username, vote in zip(READERS * 3, votes, strict=False):
        if username in world.people and not article.feedback.filter(user=world.people[username]).exists():
            comment = "" if vote else "The steps did not match what I see."
            feedback_give(article=article, user=world.people[username], helped=vote, comment=comment)


def _suggestion_history(world: DemoWorld, articles: dict[str, Article], rng: random.Random) -> None:
    """Two weeks of suggestions on the VPN access form, for the deflection report."""
    item = world.items.get("vpn-access")
    picks = [articles.get("Connect to the VPN on a company laptop"), articles.get("VPN keeps disconnecting")]
    if item is None or None in picks:
        return
    now = timezone.now()
    for days_ago in range(14):
        day = timezone.localdate() - dt.timedelta(days=days_ago)
        for _ in range(rng.randint(3, 8)):
            suggestions_shown(article_ids=[a.pk for a in picks if a is not None], item_id=item.pk, day=day)
        for username in rng.sample(READERS, 2):
            article = rng.choice([pick for pick in picks if pick is not None])
            opened = now - dt.timedelta(days=days_ago, hours=1)
            suggestion_opened(article=article, item_id=item.pk, user=world.people[username], now=opened)


def seed_knowledge(world: DemoWorld) -> int:
    """Write the demo articles that are missing; how many were written."""
    existing = set(Article.objects.values_list("title", flat=True))
    today = timezone.localdate()
    written: dict[str, Article] = {}
    for spec in ARTICLES:
        if spec["title"] not in existing:
            written[spec["title"]] = _write(world, spec, today)
    for spec in ARTICLES:
        article = written.get(spec["title"])
        if article is None:
            continue
        if spec.get("helpful"):
            _rate(world, article, *spec["helpful"])
        replacement = written.get(spec.get("retired_by", ""))
        if replacement is not None:
            author, _ = _writers(world, article.owner_team.slug)
            article_retire(article=article, actor=author, replaced_by=replacement)
    if written:
        _suggestion_history(world, written, random.Random(11))
    return len(written)
