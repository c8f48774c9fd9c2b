"""Typed HTTP requests shared by every app's views, and the one test for "answer with a fragment"."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request after django-htmx's middleware: ``request.htmx`` is always there (falsy without htmx)."""

    htmx: HtmxDetails


def is_fragment(request: HttpRequest) -> bool:
    """True for an htmx request that swaps part of a page (a boosted link wants the whole page)."""
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.boosted
