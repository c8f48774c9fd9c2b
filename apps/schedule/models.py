"""The change calendar's own records: the secret that opens a person's iCalendar feeds, and the calendar's mark."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class FeedToken(models.Model):
    """A person's calendar-feed secret: every feed URL of theirs carries it; only its SHA-256 digest is stored.

    One live token per person: regenerating revokes the old one, so every subscribed calendar stops updating.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_tokens")
    prefix = models.CharField(max_length=12, help_text="The key's first characters, to recognise it.")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(revoked_at__isnull=True), name="%(app_label)s_%(class)s_one_live"
            )
        ]

    def __str__(self) -> str:
        return f"Feed token {self.prefix}… of {self.user_id}"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None


class CalendarMark(models.Model):
    """One row (stamps.MARK_ID) whose counter moves whenever something no ``updated_at`` shows happens to changes:
    a change deleted, a change's services edited directly (signals). The calendar's stamp reads it in its own
    query, so that every process (each web worker, the Celery workers) sees the same mark, in the same
    transaction as the write; a mark kept in a per-process cache gave each web worker its own feeds' ETags."""

    moves = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"Calendar mark {self.moves}"
