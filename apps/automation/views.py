"""The runs panel (polled by htmx while a run is in flight) and the agent's retry of a failed run."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.accounts.http import AuthedRequest
from apps.automation.exceptions import RetryNeedsConfirmation
from apps.automation.permissions import can_retry, get_subject_for_user
from apps.automation.selectors import runs_for
from apps.automation.templatetags.automation import panel_context

PANEL = "automation/runs_panel.html"
CONFIRM = "automation/run_retry_confirm.html"


@login_required
@require_GET
@vary_on_headers("HX-Request")
def run_panel(request: AuthedRequest, subject_type: str, subject_id: str) -> HttpResponse:
    """The panel fragment; when the run the page was waiting for has finished, htmx reloads the page."""
    _handler, subject = get_subject_for_user(request.user, subject_type, subject_id)
    context = panel_context(subject, request.user, polling=True)
    response = render(request, PANEL, context)
    if request.GET.get("active") == "1" and not context["active"] and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # the subject's status changed with the run: show the whole page again
    return response


@login_required
@require_POST
def run_retry(request: AuthedRequest, subject_type: str, subject_id: str) -> HttpResponse:
    """Start a new run for a subject whose last run failed (who may is the subject handler's call)."""
    handler, subject = get_subject_for_user(request.user, subject_type, subject_id)
    if not can_retry(request.user, handler, subject):
        raise PermissionDenied("You may not retry this automation.")
    if handler.retry is None:  # can_retry checked it; this narrows the type
        raise PermissionDenied("This automation cannot be retried.")
    try:
        handler.retry(subject, request.user, request.POST.get("confirm") == "yes")
    except RetryNeedsConfirmation:
        return _confirm_retry(request, subject_type, subject_id, subject)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, "The automation was queued again.")
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return redirect(subject)


def _confirm_retry(request: HttpRequest, subject_type: str, subject_id: str, subject: object) -> HttpResponse:
    """The confirmation step of a retry after a run that needs attention: a page, or for htmx the fragment that
    takes the runs panel's place (the retry button's form swaps nothing by itself)."""
    context = {
        "run": runs_for(subject_type, subject_id).first(),
        "retry_url": reverse("automation:run-retry", args=[subject_type, subject_id]),
        "cancel_url": getattr(subject, "get_absolute_url", lambda: "/")(),
    }
    if request.headers.get("HX-Request"):
        response = render(request, CONFIRM + "#confirm", context)
        response["HX-Retarget"] = "#automation-runs"
        response["HX-Reswap"] = "outerHTML"
        return response
    return render(request, CONFIRM, context)
