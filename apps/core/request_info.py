"""Facts about an incoming request that several layers need: the client's address, the body limit."""

import ipaddress
import re
from functools import cache

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address from REMOTE_ADDR, or None.

    Never X-Forwarded-For, which any client can write: behind a reverse proxy, the proxy (or the WSGI
    server) must set REMOTE_ADDR to the real client address. Login throttling and the API's per-address
    throttle both count by this.
    """
    if request is None:
        return None
    raw = str(request.META.get("REMOTE_ADDR") or "").strip()
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


@cache
def _compiled(limits: tuple[tuple[str, int], ...]) -> list[tuple[re.Pattern[str], int]]:
    # Longest prefix first, so the most specific route wins; "*" stands for one path segment.
    ordered = sorted(limits, key=lambda item: len(item[0]), reverse=True)
    return [(re.compile(re.escape(prefix).replace(r"\*", "[^/]+")), limit) for prefix, limit in ordered]


def body_limit_for(path: str) -> int:
    """The largest request body accepted at ``path`` (settings.STEWARD_BODY_LIMITS), in bytes."""
    limits: dict[str, int] = settings.STEWARD_BODY_LIMITS
    for pattern, limit in _compiled(tuple(limits.items())):
        if pattern.match(path):
            return limit
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) or max(limits.values())
