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
