"""DRF authentication by API token: ``Authorization: Token <key>`` or ``Bearer <key>``."""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from apps.accounts.models import ApiToken
from apps.accounts.tokens import digest_key
from apps.core.precompiled import Precompiled

KEYWORDS = {"token", "bearer"}


def _token_build(key: None, *, digest: str) -> Any:
    return ApiToken.objects.select_related("user").filter(digest=digest)


# Every API call by token reads this: compiled once per process (apps.core.precompiled).
_TOKEN_BY_DIGEST = Precompiled(_token_build, inline_constants=True)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """Sets ``request.auth`` to the ApiToken so permission classes can check its scopes."""

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].decode(errors="replace").lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header: give exactly one key."))
        try:
            key = parts[1].decode()
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from exc
        return self.authenticate_key(key)

    def authenticate_key(self, key: str) -> tuple[Any, ApiToken]:
        token = next(iter(_TOKEN_BY_DIGEST(None, digest=digest_key(key))), None)
        now = timezone.now()
        if token is None or token.revoked_at is not None or (token.expires_at and token.expires_at <= now):
            raise exceptions.AuthenticationFailed(_("Invalid, revoked or expired token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        # Write last use at most once a minute: a busy pipeline must not write on every call.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return "Token"
