"""Template context of every page: the navigation's links (templates/base.html), reversed once per URL setup.

Reversing the navbar's dozen URL names cost about as much on each page as one of its queries; the answers
only change with the URL configuration and the script prefix, which key the cache.
"""

from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject

# base.html's links: the key it reads (nav_urls.<key>) -> the URL name.
NAV_URL_NAMES = {
    "home": "catalog:home",
    "search": "catalog:search",
    "mine": "fulfillment:request-mine",
    "queue": "fulfillment:queue",
    "changes": "changes:change-list",
    "knowledge": "knowledge:article-list",
    "approvals": "approvals:inbox",
    "approvals_badge": "approvals:badge",
    "admin": "admin:index",
    "api_docs": "api:docs",
    "profile": "accounts:profile",
    "tokens": "accounts:token-list",
    "password_change": "accounts:password-change",
    "logout": "accounts:logout",
}


@cache
def _nav_urls(prefix: str, urlconf: str) -> dict[str, str]:
    return {key: reverse(name, urlconf=urlconf) for key, name in NAV_URL_NAMES.items()}


def navigation(request: HttpRequest) -> dict[str, Any]:
    """``nav_urls``: base.html's links, reversed on first use (pages without the navbar reverse nothing)."""
    key = (get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    return {"nav_urls": SimpleLazyObject(lambda: _nav_urls(*key))}
