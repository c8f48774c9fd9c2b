"""``seed_scale --articles N``: bulk articles for the search benchmark, written without the per-article services.

Rows are published, for everyone, owned by the owner teams of the demo services, with one revision each and
the search index built in one statement per batch (apps.knowledge.search.index_articles). No audit events.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from apps.accounts.models import User
from apps.catalog.models import Service
from apps.demo.knowledge_data import ARTICLES
from apps.knowledge import markdown, search
from apps.knowledge.choices import ArticleState
from apps.knowledge.models import Article, Revision

TOPICS = sorted({tag for spec in ARTICLES for tag in spec["tags"]})
VERBS = ["Fix", "Set up", "Request", "Troubleshoot", "Renew", "Reset", "Move", "Share", "Check", "Remove"]
OBJECTS = ["access", "certificate", "mailbox", "namespace", "pipeline", "dashboard", "token", "laptop", "printer",
           "screen", "repository", "alert", "calendar", "licence", "profile", "backup", "runner", "group"]  # fmt: skip
SENTENCES = [spec["summary"] for spec in ARTICLES]


def _article(rng: random.Random, n: int, services: list[Service], author: User) -> tuple[Article, Service]:
    service = rng.choice(services)
    topic = rng.choice(TOPICS)
    title = f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} for {topic} ({service.name}) #{n}"
    body = "\n\n".join(rng.sample(SENTENCES, 4)) + f"\n\n## Steps\n\n1. Open {service.name}.\n2. Check {topic}."
    rendered = markdown.render_all(body)
    article = Article(
        title=title, slug=f"{slugify(title)[:200]}", summary=rng.choice(SENTENCES), body_md=body, tags_text=topic,
        owner_team_id=service.owner_team_id, state=ArticleState.PUBLISHED, created_by=author, last_author=author,
        published_at=timezone.now(), **rendered,
    )  # fmt: skip
    return article, service


def scale_articles(
    *, count: int, seed: int = 42, batch: int = 2_000, progress: Callable[[int], None] | None = None
) -> int:
    """Add ``count`` published articles (each run adds more); how many were written."""
    services = list(Service.objects.all())
    author = User.objects.filter(is_superuser=True).order_by("pk").first() or User.objects.order_by("pk").first()
    if not services or author is None or count <= 0:
        return 0
    rng = random.Random(seed + Article.objects.count())
    start = Article.objects.count()
    for offset in range(0, count, batch):
        with transaction.atomic():
            pairs = [_article(rng, start + offset + i, services, author) for i in range(min(batch, count - offset))]
            created = Article.objects.bulk_create([article for article, _ in pairs])
            Revision.objects.bulk_create(
                Revision(article=a, number=1, author=author, title=a.title, summary=a.summary, body_md=a.body_md)
                for a in created
            )
            links = Article.services.through
            links.objects.bulk_create(
                links(article_id=a.pk, service_id=s.pk) for a, (_, s) in zip(created, pairs, strict=True)
            )
            search.index_articles([a.pk for a in created])
        if progress is not None:
            progress(offset + len(created))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # fresh statistics, or the planner guesses one matching row
            cursor.execute("ANALYZE knowledge_article")
    return count
