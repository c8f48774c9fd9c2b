"""Password authentication with login throttling (see apps.accounts.throttling)."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest


class ThrottledModelBackend(ModelBackend):
    """Django's backend; service accounts can never log in with a password."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and getattr(user, "is_service_account", False):
            return None
        return user
