"""Views shared by the whole portal."""

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core.request_info import body_limit_for
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


def request_too_big(request: HttpRequest, limit: int) -> HttpResponse:
    """413 saying what the limit is: JSON under /api/, a readable page elsewhere."""
    message = f"The request body is too large: at most {limit:,} bytes are accepted here."
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=413)
    return render(request, "core/request_too_big.html", {"message": message, "limit": limit}, status=413)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's handler400, except that a body over the limit (RequestDataTooBig) is a 413, not a 400."""
    if isinstance(exception, RequestDataTooBig):
        return request_too_big(request, body_limit_for(request.path))
    return defaults.bad_request(request, exception)


def docs_login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sends anonymous browsers to the login page from the API docs, unless STEWARD_API_DOCS_PUBLIC."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.STEWARD_API_DOCS_PUBLIC and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped
