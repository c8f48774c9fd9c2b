"""Tokens for tests: made through the service, so digest and audit are real."""

import datetime as dt

from apps.accounts.models import ApiToken, User
from apps.accounts.services import token_create


def make_token(
    user: User,
    *,
    scopes: list[str] | None = None,
    access: str = "write",
    name: str = "test token",
    expires_at: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    return token_create(user=user, name=name, scopes=scopes or ["requests"], access=access, expires_at=expires_at)


def fail_logins(username: str, ip_address: str | None, times: int, *, last_at: dt.datetime | None = None) -> None:
    """``times`` real failed attempts a minute apart through the throttle, the last one at ``last_at`` (now)."""
    from django.utils import timezone

    from apps.accounts.throttling import login_attempt_begin

    last_at = last_at or timezone.now()
    for n in range(times):
        at = last_at - dt.timedelta(minutes=times - 1 - n)
        login_attempt_begin(username=username, ip_address=ip_address, now=at)
