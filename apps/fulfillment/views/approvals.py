"""HTML views of the approver's inbox: one decision per row (htmx row swap) or many at once.

Every URL works without JavaScript: POSTs redirect back to the inbox (or re-render it with the refusals).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.fulfillment.exceptions import InvalidTransition, StaleRequest
from apps.fulfillment.models import parse_number
from apps.fulfillment.permissions import get_request_for_user
from apps.fulfillment.selectors import request_queryset_for
from apps.fulfillment.selectors.approvals import approval_inbox_queryset
from apps.fulfillment.services import approvals as services
from apps.fulfillment.views.requests import AuthedRequest, _is_fragment

PAGE_SIZE = 50
INBOX = "fulfillment/approval_inbox.html"
COMMENT_MAX = 2000


def _inbox_context(request: AuthedRequest, **extra: Any) -> dict[str, Any]:
    page = Paginator(approval_inbox_queryset(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return {"page": page, "decisions": services.DECISIONS, **extra}


def _comment(request: HttpRequest) -> str:
    return request.POST.get("comment", "").replace("\x00", "").strip()[:COMMENT_MAX]


@login_required
@require_GET
@vary_on_headers("HX-Request")
def approval_inbox(request: AuthedRequest) -> HttpResponse:
    """Requests waiting for the caller's decision, oldest first."""
    template = INBOX + "#inbox" if _is_fragment(request) else INBOX
    return render(request, template, _inbox_context(request))


@login_required
@require_POST
def approval_decide(request: AuthedRequest, number: str) -> HttpResponse:
    """Approve or reject one request; htmx gets the row back (decided, or with the reason it was not)."""
    sr = get_request_for_user(request.user, number)
    decision = request.POST.get("decision", "")
    error = ""
    try:
        version = int(request.POST["version"]) if request.POST.get("version", "").isdigit() else None
        sr = services.approval_decide(
            request=sr, decision=decision, actor=request.user, comment=_comment(request), expected_version=version
        )
    except ValidationError as exc:
        error = " ".join(exc.messages)
    except (InvalidTransition, StaleRequest) as exc:
        error = str(exc)
    except PermissionDenied:
        error = services.approval_refusal(request.user, sr, decision) or "You may not decide this request."
    if _is_fragment(request):
        return render(request, INBOX + "#row", {"sr": sr, "error": error, "decided": not error})
    if error:
        messages.error(request, f"{sr.number}: {error}")
    else:
        messages.success(request, f"{sr.number} {'approved' if decision == 'approve' else 'rejected'}.")
    return redirect("fulfillment:approval-inbox")


@login_required
@require_POST
def approval_decide_bulk(request: AuthedRequest) -> HttpResponse:
    """Decide every selected request or none: refusals are listed with their reasons and nothing is written."""
    numbers = list(dict.fromkeys(n.strip().upper() for n in request.POST.getlist("numbers") if n.strip()))
    pks = {number: parse_number(number) for number in numbers}
    found = {sr.pk: sr for sr in request_queryset_for(request.user).filter(pk__in=[p for p in pks.values() if p])}
    chosen = [found[pk] for pk in pks.values() if pk in found]
    missing = [number for number, pk in pks.items() if pk not in found]
    decision = request.POST.get("decision", "")
    context: dict[str, Any] = {}
    try:
        decided = services.approval_decide_bulk(
            requests=chosen, missing=missing, decision=decision, actor=request.user, comment=_comment(request)
        )
    except services.BulkRefused as exc:
        context = {"refusals": exc.refusals, "selected": numbers}
    except ValidationError as exc:
        context = {"bulk_error": " ".join(exc.messages), "selected": numbers}
    except (StaleRequest, PermissionDenied, InvalidTransition) as exc:
        context = {"bulk_error": f"{exc} Nothing was changed.", "selected": numbers}
    else:
        verb = "approved" if decision == "approve" else "rejected"
        context = {"bulk_done": f"{len(decided)} request{'s' if len(decided) != 1 else ''} {verb}."}
        if not _is_fragment(request):
            messages.success(request, context["bulk_done"])
            return redirect("fulfillment:approval-inbox")
    template = INBOX + "#inbox" if _is_fragment(request) else INBOX
    return render(request, template, _inbox_context(request, **context))
