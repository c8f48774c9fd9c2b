"""DRF authentication by API token: ``Authorization: Token <key>`` or ``Bearer <key>``."""

import threading
import time
from typing import Any, Generic, TypeVar

from django.db.models import Exists, Model, Q
from django.db.models.functions import Now
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from apps.accounts.models import ApiToken, User
from apps.accounts.tokens import digest_key
from apps.core.precompiled import Precompiled

T = TypeVar("T", bound=Model)
KEYWORDS = {"token", "bearer"}


def _token_build(key: None, *, digest: str) -> Any:
    return ApiToken.objects.select_related("user").filter(digest=digest)


# Every API call by token reads this: compiled once per process (apps.core.precompiled).
_TOKEN_BY_DIGEST = Precompiled(_token_build, inline_constants=True)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """Sets ``request.auth`` to the ApiToken so permission classes can check its scopes."""

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        key = self.key_from(request)
        return None if key is None else self.authenticate_key(key)

    @staticmethod
    def key_from(request: Request | HttpRequest) -> str | None:
        """The key of a ``Token``/``Bearer`` Authorization header; None without one; AuthenticationFailed if
        malformed."""
        parts = authentication.get_authorization_header(request).split()  # type: ignore[arg-type]  # reads META
        if not parts or parts[0].decode(errors="replace").lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header: give exactly one key."))
        try:
            return parts[1].decode()
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from exc

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


def token_is_valid(token_id: int) -> Exists:
    """What authenticate_key checks of a token (not revoked, not expired, its user active), as an annotation that
    a hot read carries for a token from RememberedTokens, in the same query as what it reads anyway."""
    alive = Q(revoked_at__isnull=True, user__is_active=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=Now()))
    return Exists(ApiToken.objects.filter(alive, pk=token_id))


class RememberedTokens(Generic[T]):
    """Tokens (of ``model``: an API or a feed token, with a ``user``) this process authenticated in the last
    ``seconds``, by digest, for an endpoint polled so often that the token's own query is a large part of each call
    (the deployment gate, calendar feeds' 304).

    Only for a caller that then checks the token in its own query (token_is_valid, or its own equivalent), so that
    revoking, expiry and deactivating the user still take effect on the next call. Each use gets fresh instances (a
    user object lives for one request: team memberships are read again), and last use is still written, when the
    token is authenticated again after ``seconds``.
    """

    def __init__(self, model: type[T], *, seconds: float = 60, size: int = 1024) -> None:
        self.model, self.seconds, self.size = model, seconds, size
        self._fields = [field.attname for field in model._meta.concrete_fields]
        self._lock = threading.Lock()
        self._kept: dict[str, tuple[float, tuple[Any, ...], tuple[Any, ...]]] = {}

    def get(self, key: str) -> T | None:
        """The token behind ``key`` with its ``user``, remembered less than ``seconds`` ago; else None."""
        kept = self._kept.get(digest_key(key))
        if kept is None or time.monotonic() - kept[0] > self.seconds:
            return None
        token = self.model.from_db("default", self._fields, kept[2])
        token.user = User.from_db("default", _USER_FIELDS, kept[1])  # type: ignore[attr-defined]
        return token

    def remember(self, key: str, token: T) -> None:
        user = token.user  # type: ignore[attr-defined]
        values = (
            tuple(getattr(user, name) for name in _USER_FIELDS),
            tuple(getattr(token, name) for name in self._fields),
        )
        with self._lock:
            if len(self._kept) >= self.size:
                self._kept.pop(next(iter(self._kept)))  # the oldest
            self._kept[digest_key(key)] = (time.monotonic(), *values)

    def forget(self, key: str) -> None:
        with self._lock:
            self._kept.pop(digest_key(key), None)


_USER_FIELDS = [field.attname for field in User._meta.concrete_fields]
