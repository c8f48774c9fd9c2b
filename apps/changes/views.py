"""HTML views of changes: the list, the change page (why this tier, why the gate waits), opening and deciding."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import BaseForm
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.accounts.http import AuthedRequest
from apps.accounts.models import User
from apps.changes import gate, selectors, services
from apps.changes.exceptions import InvalidTransition, StaleChange
from apps.changes.filters import ChangeFilterSet
from apps.changes.forms import ChangeEditForm, ChangeForm, DecideForm, WindowForm
from apps.changes.models import Change, Window
from apps.changes.permissions import can_edit_change, get_change_for_user, is_change_manager
from apps.changes.services.approvals import approval_blockers, approver_kind, pending_teams, who_approves
from apps.core.http import is_fragment

PAGE_SIZE = 25
DETAIL = "changes/change_detail.html"


def _add_errors(form: BaseForm, exc: ValidationError) -> None:
    for name, errors in (exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}).items():
        form.add_error(name if name in form.fields else None, errors)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def change_list(request: AuthedRequest) -> HttpResponse:
    """Changes the user may see, filtered with the API's FilterSet; newest first."""
    filterset = ChangeFilterSet(request.GET, queryset=selectors.change_queryset_for(request.user), request=request)
    if not filterset.is_valid():
        return render(request, "changes/change_list.html", {"filterset": filterset, "page": None}, status=400)
    rows = filterset.qs.prefetch_related("services")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "changes/change_list.html#results" if is_fragment(request) else "changes/change_list.html"
    return render(request, template, {"filterset": filterset, "page": page})


def _approval_context(user: User, change: Change) -> dict[str, Any]:
    pending = pending_teams(change) if change.status == "awaiting_approval" else []
    return {
        "pending": [(team, who_approves(change, team)) for team in pending],
        "blockers": approval_blockers(change) if pending else [],
        "can_decide": any(approver_kind(user, change, team) for team in pending),
        "approvals": selectors.change_approvals(change, current_round=False),
    }


def _detail_context(request: AuthedRequest, change: Change, **extra: Any) -> dict[str, Any]:
    return {
        "change": change,
        "gate": gate.gate_decide(change),
        "conflicts": selectors.conflicting_changes(change),
        "timeline": selectors.change_timeline(change),
        "can_edit": can_edit_change(request.user, change),
        "decide_form": DecideForm(),
        **_approval_context(request.user, change),
        **extra,
    }


@login_required
@require_GET
def change_detail(request: AuthedRequest, number: str) -> HttpResponse:
    change = get_change_for_user(request.user, number, detail=True)
    return render(request, DETAIL, _detail_context(request, change))


@login_required
@require_POST
def change_decide(request: AuthedRequest, number: str) -> HttpResponse:
    """Approve or reject; errors come back on the page next to the form (status 200, what htmx swaps)."""
    change = get_change_for_user(request.user, number, detail=True)
    form = DecideForm(request.POST)
    if form.is_valid():
        try:
            services.change_decide(change=change, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        except (PermissionDenied, StaleChange) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Your decision on {change.number} is recorded.")
            return redirect(change)
    return render(request, DETAIL, _detail_context(request, change, decide_form=form))


@login_required
@require_POST
def change_cancel(request: AuthedRequest, number: str) -> HttpResponse:
    change = get_change_for_user(request.user, number, for_edit=True)
    try:
        services.change_transition(change=change, to="cancelled", actor=request.user)
    except (InvalidTransition, StaleChange) as exc:
        messages.error(request, exc.message)
    return redirect(change)


@login_required
@require_http_methods(["GET", "POST"])
def change_create(request: AuthedRequest) -> HttpResponse:
    """Open a change; it is scored at once and routed. A refused form keeps what was typed."""
    form = ChangeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            change = services.change_create(requester=request.user, data=form.change_data())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"{change.number} is open: tier {change.tier}, {change.get_status_display()}.")
            return redirect(change)
    return render(request, "changes/change_create.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def change_edit(request: AuthedRequest, number: str) -> HttpResponse:
    """Edit an open change (requester, owner teams, managers). A refused form keeps what was typed; a change
    edited by someone else since the form was loaded answers 409 and nothing is written."""
    change = get_change_for_user(request.user, number, for_edit=True, detail=True)
    form = ChangeEditForm(request.POST or None, user=request.user, change=change)
    status = 200
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data["version"]
        try:
            change = services.change_update(change=change, actor=request.user, expected_version=version, **form.edits())
        except ValidationError as exc:
            _add_errors(form, exc)
        except StaleChange as exc:
            form.add_error(None, exc.message)
            status = 409
        else:
            messages.success(request, f"{change.number} is saved: tier {change.tier}, {change.get_status_display()}.")
            return redirect(change)
    return render(request, "changes/change_edit.html", {"form": form, "change": change}, status=status)


@login_required
@require_GET
def window_list(request: AuthedRequest) -> HttpResponse:
    """Freeze and maintenance windows: everyone signed in reads them (as in the API); managers edit them."""
    windows = selectors.window_list().order_by("-is_active", "-starts_at", "-id")
    context = {"windows": windows, "can_manage": is_change_manager(request.user)}
    return render(request, "changes/window_list.html", context)


def _window_form(request: AuthedRequest, window: Window | None) -> HttpResponse:
    """Create (``window`` None) or edit a window through the API's services; errors stay next to the fields."""
    if not is_change_manager(request.user):
        raise PermissionDenied("Only managers and administrators manage windows.")
    initial = {"timezone": request.user.timezone}  # a new window starts in the author's zone
    form = WindowForm(request.POST or None, window=window, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if window is None:
                window = services.window_create(actor=request.user, **form.window_values())
            else:
                window = services.window_update(window=window, actor=request.user, **form.window_values(window))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"The window “{window.title}” is saved.")
            return redirect("changes:window-list")
    return render(request, "changes/window_form.html", {"form": form, "window": window})


@login_required
@require_http_methods(["GET", "POST"])
def window_create(request: AuthedRequest) -> HttpResponse:
    """Windows are created with the calendar's builder (apps.schedule); this older URL leads there."""
    if not is_change_manager(request.user):
        raise PermissionDenied("Only managers and administrators manage windows.")
    return redirect("schedule:window-create")


@login_required
@require_http_methods(["GET", "POST"])
def window_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    return _window_form(request, get_object_or_404(Window, pk=pk))
