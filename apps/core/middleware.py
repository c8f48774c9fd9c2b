"""Answers' safety headers and the request body limit, for every page of the portal."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

from apps.core.request_info import body_limit_for
from apps.core.views import request_too_big

GetResponse = Callable[[HttpRequest], HttpResponseBase]


class BodyLimitMiddleware:
    """413 before anything reads a body whose Content-Length is over its route's limit.

    The limit is per URL prefix (settings.STEWARD_BODY_LIMITS), so an intake that takes large payloads can
    have more than a form. Without a Content-Length, Django reads no body at all, so the header is the size.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        limit = body_limit_for(request.path)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django treats an unreadable length as no body too
        if length > limit:
            return request_too_big(request, limit)
        return self.get_response(request)


def _csp_for(path: str) -> str:
    overrides: dict[str, str] = settings.STEWARD_CSP_OVERRIDES
    matches = [prefix for prefix in overrides if path.startswith(prefix)]
    return overrides[max(matches, key=len)] if matches else str(settings.STEWARD_CSP)


def _must_not_be_stored(request: HttpRequest, response: HttpResponseBase) -> bool:
    if request.path.startswith("/api/") or response.get("Content-Type", "").startswith("text/csv"):
        return True
    user = getattr(request, "user", None)  # set by AuthenticationMiddleware, further in
    return bool(user is not None and user.is_authenticated)


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every answer; ``Cache-Control: no-store`` on what is
    personal (pages for a signed-in user, API answers, CSV exports).

    A view that set its own Cache-Control keeps it: e.g. a calendar feed that clients re-poll with ETags
    answers ``private, no-cache``. Static files never get here (whitenoise answers them earlier), so they
    keep their long caching. Placed before the other middleware, so that their own answers (a 413, a CSRF
    refusal) get the headers too.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", _csp_for(request.path))
        response.headers.setdefault("Permissions-Policy", settings.STEWARD_PERMISSIONS_POLICY)
        if "Cache-Control" not in response and _must_not_be_stored(request, response):
            response["Cache-Control"] = "no-store"
        return response
