"""Who reaches the calendar's objects: feeds by their secret (none is anonymous), windows by managers."""

from __future__ import annotations

from collections.abc import Hashable

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from apps.accounts.models import User
from apps.accounts.tokens import digest_key
from apps.changes.permissions import is_change_manager
from apps.core.precompiled import Precompiled
from apps.schedule.models import FeedToken

MAX_KEY_LENGTH = 100


def _token_build(key: Hashable, *, digest: str) -> QuerySet[FeedToken]:
    return FeedToken.objects.select_related("user").filter(digest=digest, revoked_at__isnull=True)  # digest: unique


# Every feed poll reads it first: compiled once (apps.core.precompiled), the digest its only parameter.
_TOKEN = Precompiled(_token_build, inline_constants=True)


def get_feed_token(key: str) -> FeedToken:
    """The live token behind ``key`` of an active user; anything else is 404 (a feed URL reveals nothing)."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Http404("No such feed.")
    token = next(iter(_TOKEN(None, digest=digest_key(key))), None)
    if token is None or not token.user.is_active:
        raise Http404("No such feed.")
    return token


def check_window_manager(user: User) -> None:
    if not is_change_manager(user):
        raise PermissionDenied("Only managers and administrators manage windows.")
