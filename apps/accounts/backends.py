"""Password authentication with login throttling (see apps.accounts.throttling)."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from apps.accounts.throttling import client_ip, login_failure_record, login_success_record, login_throttle_check


class ThrottledModelBackend(ModelBackend):
    """Django's backend with throttling; service accounts can never log in with a password.

    A throttled attempt raises ``LoginThrottled`` (a PermissionDenied), which ``django.contrib.auth.authenticate``
    turns into a refusal without checking the password. The login form and the token endpoint check the
    throttle first themselves, so that they can say why and when to try again.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if username is None or password is None:
            return None
        ip_address = client_ip(request)
        login_throttle_check(username=username, ip_address=ip_address)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None or getattr(user, "is_service_account", False):
            login_failure_record(username=username, ip_address=ip_address)
            return None
        login_success_record(username=username)
        return user
