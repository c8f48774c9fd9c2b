"""The change calendar's own records: the secret that opens a person's iCalendar feeds."""

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
