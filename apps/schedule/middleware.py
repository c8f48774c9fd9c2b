"""Calendar clients' polls, answered ahead of the page middleware."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.urls import Resolver404, get_resolver

from apps.schedule import views

# The feeds' own URLconf, included at the site's root (portal/urls.py): its few patterns resolve a feed path
# without walking the whole site's.
FEED_URLCONF = "apps.schedule.public_urls"
FEED_PREFIX = "/feeds/"


class FeedPollMiddleware:
    """A feed poll (GET with If-None-Match) whose copy is still current answers 304 here, before the session,
    CSRF, sign-in, time zone, messages and htmx middleware and the site's URL resolver: a feed URL carries its own
    secret and uses none of them, and calendar clients poll all day.

    Only the case views.remembered_poll answers (a token this process saw in the last minute, checked live in the
    stamp's query) stops here; anything else, a changed feed included, goes on to the view as before. Placed after
    the security and body-limit middleware, so the 304 carries the same safety headers as every answer.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.feeds = get_resolver(FEED_URLCONF)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method == "GET" and "HTTP_IF_NONE_MATCH" in request.META:
            answered = self._poll(request)
            if answered is not None:
                return answered
        return self.get_response(request)

    def _poll(self, request: HttpRequest) -> HttpResponseBase | None:
        path = request.path_info
        if not path.startswith(FEED_PREFIX):
            return None
        try:
            match = self.feeds.resolve(path)
        except Resolver404:
            return None
        feed = views.feed_name(match.url_name or "", match.kwargs.get("slug", ""))
        return None if feed is None else views.remembered_poll(request, match.kwargs["token"], feed)
