"""Readers' "did this help?" votes and the deflection counters of suggestions shown while filing."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.core.services import audit_record
from apps.knowledge.models import Article, Feedback, SuggestionCount, SuggestionOpen

MAX_COMMENT_CHARS = 2000


@transaction.atomic
def feedback_give(*, article: Article, user: User, helped: bool, comment: str = "") -> Feedback:
    """One vote per person on the article's current revision; a second vote on it is refused."""
    comment = comment.strip()
    if len(comment) > MAX_COMMENT_CHARS:
        raise ValidationError({"comment": f"At most {MAX_COMMENT_CHARS} characters."})
    revision = article.revisions.order_by("-number").first()
    if revision is None:
        raise ValidationError({"helped": "This article has no text to rate yet."})
    try:
        with transaction.atomic():  # the unique constraint decides races: a savepoint keeps the outer one usable
            feedback = Feedback.objects.create(
                article=article, revision=revision, user=user, helped=helped, comment=comment
            )
    except IntegrityError as exc:
        raise ValidationError({"helped": "You already rated this version of the article."}) from exc
    audit_record(target=article, verb="knowledge.feedback", actor=user, helped=helped, revision=revision.number)
    return feedback


def suggestions_shown(*, article_ids: list[int], item_id: int, day: dt.date | None = None) -> None:
    """Count one showing of each article for the item today (one row per article, item and day): one statement
    (an upsert on the row's unique constraint, PostgreSQL and SQLite alike) for every article of a request's
    suggestions, rather than a statement and a commit per article. The unique constraint settles parallel
    requests; the rows go in id order, so two requests counting the same articles wait rather than deadlock."""
    ids = sorted({int(pk) for pk in article_ids})
    if not ids:
        return
    day_value = connection.ops.adapt_datefield_value(day or timezone.localdate())
    table = SuggestionCount._meta.db_table
    rows = ", ".join(["(%s, %s, %s, 1)"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (article_id, item_id, day, shown) VALUES {rows} "  # noqa: S608 - constants and %s marks
            f"ON CONFLICT (article_id, item_id, day) DO UPDATE SET shown = {table}.shown + 1",
            [value for pk in ids for value in (pk, item_id, day_value)],
        )


def suggestion_opened(*, article: Article, item_id: int, user: User, now: dt.datetime | None = None) -> SuggestionOpen:
    """A person opened an article suggested for an item: abandoned unless they file that item soon after."""
    return SuggestionOpen.objects.create(article=article, item_id=item_id, user=user, opened_at=now or timezone.now())


def suggestion_filed(*, user_id: int, item_id: int, now: dt.datetime | None = None, window: dt.timedelta) -> int:
    """The person filed the item: their suggestions opened within ``window`` before did not deflect it."""
    now = now or timezone.now()
    return SuggestionOpen.objects.filter(
        user_id=user_id, item_id=item_id, filed_at__isnull=True, opened_at__gte=now - window, opened_at__lte=now
    ).update(filed_at=now)
