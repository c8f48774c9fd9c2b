"""Views shared by the whole portal."""

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import DisallowedHost, RequestDataTooBig
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core.http import is_fragment
from apps.core.request_info import body_limit_for
from apps.core.sizes import size_text, too_big_message
from portal.celery import app as celery_app

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure means "down" to a load balancer
        logger.exception("healthz: database check failed")
        return False
    return True


def _broker_ok() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:
        logger.exception("healthz: broker check failed")
        return False
    return True


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker both answer, 503 otherwise; no login needed."""
    database, broker = _database_ok(), _broker_ok()
    healthy = database and broker
    body = {"status": "ok" if healthy else "unavailable", "database": database, "broker": broker}
    return JsonResponse(body, status=200 if healthy else 503)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _back_url(request: HttpRequest) -> str:
    """Where "Go back" leads: the page the user came from when it is on this site, else the home page."""
    referer = str(request.META.get("HTTP_REFERER") or "")
    try:
        host = request.get_host()
    except DisallowedHost:
        return "/"
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={host}):
        return referer
    return "/"


def request_too_big(request: HttpRequest, limit: int) -> HttpResponse:
    """413 saying what the limit is: JSON under /api/, a readable page that leads back elsewhere.

    Answered before sessions and authentication run (apps.core.middleware.BodyLimitMiddleware), so the page
    stands alone (templates/includes/error_page.html): no menu, no user.
    """
    message = too_big_message(limit)
    if _is_api(request):
        return JsonResponse({"detail": message}, status=413)
    context = {"message": message, "limit": limit, "limit_text": size_text(limit), "back_url": _back_url(request)}
    return render(request, "core/request_too_big.html", context, status=413)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's handler400, except that a body over the limit (RequestDataTooBig) is a 413, not a 400.

    templates/400.html stands alone: a 400 can come from a bad Host header, which base.html's links would
    meet again."""
    if isinstance(exception, RequestDataTooBig):
        return request_too_big(request, body_limit_for(request.path))
    if _is_api(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler403: templates/403.html with the reason and the way to one's own requests; a fragment for htmx
    (static/js/steward.js swaps 403 answers into the region that asked), JSON under /api/."""
    reason = str(exception) if str(exception) else "You do not have access to this page."
    if _is_api(request):
        return JsonResponse({"detail": reason}, status=403)
    if is_fragment(request):
        return render(request, "403.html#fragment", {"reason": reason}, status=403)
    return render(request, "403.html", {"reason": reason, "back_url": _back_url(request)}, status=403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: templates/404.html (with the menu and a way back), JSON under /api/."""
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", {"back_url": _back_url(request)}, status=404)


# handler500 stays Django's defaults.server_error: it renders templates/500.html with an empty context, no
# database and no context processors, which is what a page shown when anything may be broken must need.


def docs_login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sends anonymous browsers to the login page from the API docs, unless STEWARD_API_DOCS_PUBLIC."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.STEWARD_API_DOCS_PUBLIC and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped
