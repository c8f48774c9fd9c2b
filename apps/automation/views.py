"""The runs panel (polled by htmx while a run is in flight) and the agent's retry of a failed run."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.automation.permissions import can_retry, get_subject_for_user
from apps.automation.templatetags.automation import panel_context

PANEL = "automation/runs_panel.html"


@login_required
@require_GET
@vary_on_headers("HX-Request")
def run_panel(request: HttpRequest, subject_type: str, subject_id: str) -> HttpResponse:
    """The panel fragment; when the run the page was waiting for has finished, htmx reloads the page."""
    _handler, subject = get_subject_for_user(request.user, subject_type, subject_id)
    context = panel_context(subject, request.user, polling=True)
    response = render(request, PANEL, context)
    if request.GET.get("active") == "1" and not context["active"] and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # the subject's status changed with the run: show the whole page again
    return response


@login_required
@require_POST
def run_retry(request: HttpRequest, subject_type: str, subject_id: str) -> HttpResponse:
    """Start a new run for a subject whose last run failed (who may is the subject handler's call)."""
    handler, subject = get_subject_for_user(request.user, subject_type, subject_id)
    if not can_retry(request.user, handler, subject):
        raise PermissionDenied("You may not retry this automation.")
    assert handler.retry is not None  # can_retry checked it
    try:
        handler.retry(subject, request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, "The automation was queued again.")
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return redirect(subject)
