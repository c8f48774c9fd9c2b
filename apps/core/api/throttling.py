"""API rate limits, one bucket per credential (DRF throttles; rates in settings.REST_FRAMEWORK).

Exactly one of the three applies to a call:

* ``TokenRateThrottle`` (scope ``token``): the call carries a credential object in ``request.auth`` (an API
  token): counted per credential, not per address, so pipelines behind one NAT address do not share a bucket
  and one token cannot use up another's. Subclass it with another ``scope`` for other per-credential intakes
  (e.g. signed webhooks, whose authentication sets ``request.auth`` to the webhook's credential row).
* ``UserRateThrottle`` (scope ``user``): signed in by session: counted per user.
* ``AddressRateThrottle`` (scope ``anon``): anonymous: counted per client address (REMOTE_ADDR, never
  X-Forwarded-For, see apps.core.request_info.client_ip).

A refused call answers 429 with ``Retry-After`` (DRF's exception handler).
"""

from typing import Any

from django.db import models
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from apps.core.request_info import client_ip


def credential_key(auth: Any) -> str | None:
    """``<app_label.model>:<pk>`` of a credential row in ``request.auth``, or None for a session or nothing."""
    if isinstance(auth, models.Model) and auth.pk is not None:
        return f"{auth._meta.label_lower}:{auth.pk}"
    return None


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        key = credential_key(request.auth)
        if key is None:
            return None  # not a token call: another throttle counts it
        return self.cache_format % {"scope": self.scope, "ident": key}


class UserRateThrottle(SimpleRateThrottle):
    scope = "user"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if credential_key(request.auth) is not None or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AddressRateThrottle(SimpleRateThrottle):
    scope = "anon"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request._request) or "unknown"}
