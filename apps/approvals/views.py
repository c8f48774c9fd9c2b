"""HTML views of the approver's inbox: every provider's items in one list, decided one by one (htmx row
swap) or many at once (all or nothing).

Every URL works without JavaScript: POSTs redirect back to the inbox, or re-render it with the refusals.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.accounts.http import AuthedRequest
from apps.approvals import services
from apps.approvals.exceptions import ApprovalError, ApprovalNotFound
from apps.approvals.registry import PendingApproval, get_provider
from apps.approvals.selectors import PendingInbox, pending_count
from apps.core.http import HtmxHttpRequest, is_fragment

PAGE_SIZE = 50
INBOX = "approvals/approval_inbox.html"


def _inbox_context(request: AuthedRequest, **extra: Any) -> dict[str, Any]:
    asked = request.GET.get("page", "")
    # Read from each provider what the asked page needs in one go (PendingInbox); a bad page reads one page.
    pages = int(asked) if asked.isascii() and asked.isdigit() and 0 < int(asked) <= 1000 else 1
    inbox = PendingInbox(request.user, window=PAGE_SIZE * pages)
    paginator: Paginator[PendingApproval] = Paginator(inbox, PAGE_SIZE)
    page = paginator.get_page(asked)
    return {"page": page, "comment_max": services.COMMENT_MAX_CHARS, **extra}


def _version(request: AuthedRequest) -> int | None:
    text = request.POST.get("version", "")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


@login_required
@require_GET
@vary_on_headers("HX-Request")
def approval_inbox(request: AuthedRequest) -> HttpResponse:
    """Everything waiting for the caller's decision, oldest first, whatever app it comes from."""
    return render(request, INBOX + "#inbox" if is_fragment(request) else INBOX, _inbox_context(request))


@login_required
@require_GET
def approval_badge(request: AuthedRequest) -> HttpResponse:
    """The navbar's link with the number waiting (loaded by htmx after the page); 204 leaves the link as it is."""
    count = pending_count(request.user)
    if not count:
        return HttpResponse(status=204)
    return render(request, INBOX + "#badge", {"count": count})


@require_GET
def approval_inbox_moved(request: HtmxHttpRequest) -> HttpResponse:
    """/requests/approvals/ moved to /approvals/: bookmarks keep working."""
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(reverse("approvals:inbox") + (f"?{query}" if query else ""))


@login_required
@require_POST
def approval_decide(request: AuthedRequest, provider: str, key: str) -> HttpResponse:
    """Approve or reject one item; htmx gets its row back (decided, or with the reason it was not)."""
    decision = request.POST.get("decision", "")
    try:
        decided = services.approval_decide(
            actor=request.user,
            provider=provider,
            key=key,
            decision=decision,
            comment=request.POST.get("comment", ""),
            version=_version(request),
        )
    except ApprovalNotFound as exc:
        raise Http404(exc.message) from exc
    except ApprovalError as exc:
        return _not_decided(request, provider, key, exc.message)
    if is_fragment(request):
        return render(request, INBOX + "#row", {"decided": decided})
    messages.success(request, f"{key} {'approved' if decision == 'approve' else 'rejected'}.")
    return redirect("approvals:inbox")


def _not_decided(request: AuthedRequest, provider: str, key: str, error: str) -> HttpResponse:
    """The row again with the reason (htmx swaps only 2xx answers), or a message on the inbox without htmx."""
    if not is_fragment(request):
        messages.error(request, f"{key}: {error}")
        return redirect("approvals:inbox")
    item = get_provider(provider).get(request.user, key)
    return render(request, INBOX + "#row", {"item": item, "key": key, "provider": provider, "error": error})


@login_required
@require_POST
def approval_decide_bulk(request: AuthedRequest) -> HttpResponse:
    """Decide every selected item or none: refusals are listed with their reasons and nothing is written."""
    selected = list(dict.fromkeys(value.strip() for value in request.POST.getlist("items") if value.strip()))
    decision = request.POST.get("decision", "")
    context: dict[str, Any] = {"selected": selected}
    try:
        decided = services.approval_decide_bulk(
            actor=request.user,
            items=[services.parse_item(value) for value in selected],
            decision=decision,
            comment=request.POST.get("comment", ""),
        )
    except services.BulkRefused as exc:
        context["refusals"] = exc.refusals
    except ApprovalError as exc:
        context["bulk_error"] = exc.message
    else:
        verb = "approved" if decision == "approve" else "rejected"
        done = f"{len(decided)} item{'s' if len(decided) != 1 else ''} {verb}."
        if not is_fragment(request):
            messages.success(request, done)
            return redirect("approvals:inbox")
        context = {"bulk_done": done}
    template = INBOX + "#inbox" if is_fragment(request) else INBOX
    return render(request, template, _inbox_context(request, **context))
