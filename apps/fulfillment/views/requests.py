"""HTML views of fulfillment: my requests, filing a request, the request page and its small actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import BaseForm
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.accounts.http import AuthedRequest
from apps.catalog.formdefs import build_form_class, display_answers
from apps.catalog.permissions import get_item_for_user
from apps.core.http import is_fragment
from apps.core.renderers import JINJA_WIDGETS
from apps.fulfillment import permissions, selectors, services
from apps.fulfillment.choices import RequestStatus, action_label
from apps.fulfillment.exceptions import InvalidAnswers, InvalidTransition, StaleRequest
from apps.fulfillment.filters import RequestFilterSet
from apps.fulfillment.forms import (
    AttachmentForm,
    CommentForm,
    RequestMetaForm,
    TransitionForm,
    WatcherForm,
    WorkForm,
    tie_errors,
)
from apps.fulfillment.models import Attachment, ServiceRequest
from apps.fulfillment.selectors.queue import canned_replies_for
from apps.fulfillment.selectors.requests import request_people_load

PAGE_SIZE = 25
DETAIL = "fulfillment/request_detail.html"


@login_required
@require_GET
@vary_on_headers("HX-Request")
def request_mine(request: AuthedRequest) -> HttpResponse:
    """Requests the user filed, was requested for or watches; filterable, paginated."""
    queryset = selectors.request_mine_queryset(request.user)
    filterset = RequestFilterSet(request.GET, queryset=queryset, request=request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "fulfillment/request_mine.html"
    if is_fragment(request):
        template += "#results"
    return render(request, template, {"filterset": filterset, "page": page})


def _add_service_errors(form: BaseForm, exc: ValidationError) -> None:
    for name, errors in (exc.error_dict if hasattr(exc, "error_dict") else {None: exc.error_list}).items():
        field = name if name in form.fields else None
        for error in errors:
            if field is None or error.messages[0] not in form.errors.get(field, []):
                form.add_error(field, error)


@login_required
@require_http_methods(["GET", "POST"])
def request_create(request: AuthedRequest, item_slug: str) -> HttpResponse:
    """The item's own form plus "requested for" and priority; a failed submission keeps what was typed.

    Invalid submissions are re-rendered with status 200 (Django's convention, and what htmx swaps).
    """
    item = get_item_for_user(request.user, item_slug)
    if item.current_form is None:
        raise Http404("This item has no form yet.")
    form_class = build_form_class(item.current_form.definition)
    if request.method == "GET":
        context = {"item": item, "form": form_class(), "meta": RequestMetaForm(prefix="sr")}
        return render(request, "fulfillment/request_create.html", context)
    form, meta = form_class(data=request.POST), RequestMetaForm(request.POST, request.FILES, prefix="sr")
    if form.is_valid() and meta.is_valid():
        try:
            sr = services.request_file(
                item=item,
                requester=request.user,
                answers=request.POST,
                requested_for=meta.cleaned_data["requested_for"],
                priority=meta.cleaned_data["priority"],
                description=meta.cleaned_data["description"],
                uploads=meta.cleaned_data["attachments"],
            )
        except InvalidAnswers as exc:
            _add_service_errors(form, exc)
        except ValidationError as exc:
            _add_service_errors(meta, exc)
        else:
            messages.success(request, f"{sr.number} was filed. You will get an email when it moves.")
            return redirect(sr)
    context = {"item": item, "form": tie_errors(form), "meta": tie_errors(meta)}
    return render(request, "fulfillment/request_create.html", context)


def _detail_context(
    request: AuthedRequest, sr: ServiceRequest, *, loaded: bool = False, **extra: Any
) -> dict[str, Any]:
    """The request page's context; ``loaded``: ``sr`` came from get_request_for_user(..., detail=True) and is
    unchanged since (else it is read again, with what the page shows)."""
    user = request.user
    if not loaded:
        sr = selectors.request_detail_get(sr)
    watchers = request_people_load(sr)
    agent = permissions.is_agent_of(user, sr)
    timeline = selectors.request_timeline(sr, include_internal=agent)
    context = {
        "sr": sr,
        "watchers": watchers,
        "answers": display_answers(sr.form_version.definition, sr.answers),
        "timeline": timeline,
        "transitions": [(s, action_label(sr.status, s)) for s in permissions.allowed_transitions(user, sr)],
        "waiting_on_you": sr.status == RequestStatus.ON_HOLD and permissions.is_requester(user, sr),
        "is_agent": agent,
        "canned_replies": canned_replies_for(sr) if agent else [],
        "can_edit": permissions.can_edit_request(user, sr),
        "reopen_deadline": permissions.reopen_deadline(sr),
        "transition_form": TransitionForm(initial={"version": sr.version}),
        "comment_form": CommentForm(),
        "attachment_form": AttachmentForm(),
        "watcher_form": WatcherForm(),
        "work_form": WorkForm(initial={"priority": sr.priority, "assignee": getattr(sr.assignee, "username", "")})
        if agent
        else None,
    }
    waiting = sr.status == RequestStatus.ON_HOLD and permissions.is_requester(user, sr)
    context["question"] = _last_question(timeline, user) if waiting else None
    context["crumb"] = _breadcrumb(request, sr, agent=agent)
    for name, value in extra.items():
        context[name] = tie_errors(value) if isinstance(value, BaseForm) else value
    return context


def _last_question(timeline: list[Any], viewer: Any) -> Any:
    """The newest public comment or status note by someone else: what the requester is asked to answer."""
    for entry in reversed(timeline):
        said = (entry.comment and not entry.comment.is_internal) or entry.note
        if said and (entry.actor is None or entry.actor.pk != viewer.pk):
            return entry
    return None


# Lists a request page is reached from: (name, label) by URL name; the breadcrumb's first link.
CRUMB_SOURCES = {
    "fulfillment:queue": "Queue",
    "approvals:inbox": "Approvals",
    "fulfillment:request-mine": "My requests",
}


def _breadcrumb(request: AuthedRequest, sr: ServiceRequest, *, agent: bool) -> tuple[str, str]:
    """(label, href) of the list the user came from: the queue, approvals or their requests, filters kept
    (from the Referer, when it is one of those pages of this site); else the list the viewer's role works from."""
    referer = urlsplit(str(request.META.get("HTTP_REFERER") or ""))
    if referer.netloc == request.get_host():
        try:
            match = resolve(referer.path)
        except Resolver404:
            match = None
        if match is not None and match.view_name in CRUMB_SOURCES:
            href = referer.path + (f"?{referer.query}" if referer.query else "")
            return CRUMB_SOURCES[match.view_name], href
    if agent:
        return "Queue", reverse("fulfillment:queue")
    if sr.status == RequestStatus.AWAITING_APPROVAL and not permissions.is_requester(request.user, sr):
        return "Approvals", reverse("approvals:inbox")
    return "My requests", reverse("fulfillment:request-mine")


def _respond(
    request: AuthedRequest, sr: ServiceRequest, regions: list[str], *, status: int = 200, **extra: Any
) -> HttpResponse:
    """htmx: the named regions (the first swapped in place, the rest out of band); else the whole page."""
    context = _detail_context(request, sr, **extra)
    if not is_fragment(request):
        return render(request, DETAIL, context, status=status)
    html = "".join(
        render_to_string(f"{DETAIL}#{region}", {**context, "oob": i > 0}, request=request)
        for i, region in enumerate(regions)
    )
    return HttpResponse(html, status=status)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def request_detail(request: AuthedRequest, number: str) -> HttpResponse:
    sr = permissions.get_request_for_user(request.user, number, detail=True)
    context = _detail_context(request, sr, loaded=True)
    for form in context.values():
        if isinstance(form, BaseForm):
            form.renderer = JINJA_WIDGETS  # the same markup as Django's widget templates, in a fraction of the time
    return render(request, DETAIL, context)


@login_required
@require_POST
def request_transition(request: AuthedRequest, number: str) -> HttpResponse:
    """Move the request; a stale page answers 409 and changes nothing."""
    sr = permissions.get_request_for_user(request.user, number)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        message = " ".join(f"{name}: {'; '.join(map(str, errors))}" for name, errors in form.errors.items())
        return _respond(request, sr, ["status"], status=400, transition_error=message)
    try:
        services.request_transition(
            request=sr,
            to=form.cleaned_data["to"],
            actor=request.user,
            expected_version=form.cleaned_data["version"],
            comment=form.cleaned_data["comment"],
        )
    except StaleRequest as exc:
        return _respond(request, sr, ["status"], status=409, transition_error=exc.message)
    except InvalidTransition as exc:
        return _respond(request, sr, ["status"], transition_error=exc.message)
    except PermissionDenied as exc:
        return _respond(request, sr, ["status"], status=403, transition_error=str(exc))
    except ValidationError as exc:
        # Re-opens the confirmation box of that move with the message (templates: open_confirm).
        message = " ".join(exc.messages)
        return _respond(request, sr, ["status"], transition_error=message, open_confirm=form.cleaned_data["to"])
    if not is_fragment(request):
        messages.success(request, f"{sr.number} is now {sr.get_status_display()}.")
        return redirect(sr)
    return _respond(request, sr, ["status", "timeline"])


@login_required
@require_POST
def request_work(request: AuthedRequest, number: str) -> HttpResponse:
    """Priority and assignee, for the fulfilling team."""
    sr = permissions.get_request_for_user(request.user, number)
    if not permissions.can_work(request.user, sr):
        raise PermissionDenied("Only the fulfilling team can change this.")
    form = WorkForm(request.POST)
    if form.is_valid():
        try:
            services.request_update(
                request=sr,
                actor=request.user,
                expected_version=form.cleaned_data["version"],
                priority=form.cleaned_data["priority"],
                assignee=form.cleaned_data["assignee"],
            )
        except StaleRequest as exc:
            return _respond(request, sr, ["status"], status=409, transition_error=exc.message)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            return redirect(sr) if not is_fragment(request) else _respond(request, sr, ["status", "timeline"])
    return _respond(request, sr, ["status"], work_form=form)


@login_required
@require_POST
def comment_create(request: AuthedRequest, number: str) -> HttpResponse:
    sr = permissions.get_request_for_user(request.user, number)
    form = CommentForm(request.POST)
    waited_on_viewer = sr.status == RequestStatus.ON_HOLD and permissions.is_requester(request.user, sr)
    if form.is_valid():
        try:
            services.comment_add(
                request=sr,
                author=request.user,
                body=form.cleaned_data["body"],
                is_internal=form.cleaned_data["is_internal"],
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error("is_internal", str(exc))
        else:
            target = reverse("fulfillment:request-detail", args=[sr.number]) + "#request-timeline"
            if not is_fragment(request):
                return redirect(target)
            if waited_on_viewer:
                # The answer resumed the request: the "We need your answer" banner goes, so the whole page.
                return HttpResponse(headers={"HX-Refresh": "true"})
            return _respond(request, sr, ["comments", "timeline", "status"])
    return _respond(request, sr, ["comments"], comment_form=form)


def _submit_side_form(
    request: AuthedRequest,
    sr: ServiceRequest,
    form: Any,
    *,
    region: str,
    form_name: str,
    apply: Callable[[dict[str, Any]], object],
) -> HttpResponse:
    """Validate a side panel's form, call its service, answer the panel (htmx) or the page (no JavaScript)."""
    if form.is_valid():
        try:
            apply(form.cleaned_data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            if not is_fragment(request):
                return redirect(reverse("fulfillment:request-detail", args=[sr.number]) + f"#request-{region}")
            return _respond(request, sr, [region, "timeline"])
    return _respond(request, sr, [region], **{form_name: form})


@login_required
@require_POST
def attachment_create(request: AuthedRequest, number: str) -> HttpResponse:
    sr = permissions.get_request_for_user(request.user, number, for_edit=True)
    form = AttachmentForm(request.POST, request.FILES)
    return _submit_side_form(
        request,
        sr,
        form,
        region="attachments",
        form_name="attachment_form",
        apply=lambda data: services.attachment_add(request=sr, upload=data["file"], actor=request.user),
    )


@login_required
@require_GET
def attachment_download(request: AuthedRequest, number: str, attachment_id: int) -> FileResponse:
    """The file, only to those who may see the request; always a download, never rendered inline."""
    sr = permissions.get_request_for_user(request.user, number)
    attachment = get_object_or_404(Attachment, request=sr, pk=attachment_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The file is gone.") from exc
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.filename, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_POST
def watcher_add(request: AuthedRequest, number: str) -> HttpResponse:
    sr = permissions.get_request_for_user(request.user, number, for_edit=True)
    form = WatcherForm(request.POST)
    return _submit_side_form(
        request,
        sr,
        form,
        region="watchers",
        form_name="watcher_form",
        apply=lambda data: services.watcher_add(request=sr, watcher=data["username"], actor=request.user),
    )


@login_required
@require_POST
def watcher_remove(request: AuthedRequest, number: str, user_id: int) -> HttpResponse:
    """Remove a watcher; after removing themself a watcher may no longer see the request: back to their list."""
    sr = permissions.get_request_for_user(request.user, number)
    watcher = get_object_or_404(sr.watchers.all(), pk=user_id)
    services.watcher_remove(request=sr, watcher=watcher, actor=request.user)
    if not selectors.request_queryset_for(request.user).filter(pk=sr.pk).exists():
        messages.info(request, f"You no longer follow {sr.number}.")
        target = reverse("fulfillment:request-mine")
        return HttpResponse(headers={"HX-Redirect": target}) if is_fragment(request) else redirect(target)
    if not is_fragment(request):
        return redirect(reverse("fulfillment:request-detail", args=[sr.number]) + "#request-watchers")
    return _respond(request, sr, ["watchers", "timeline"])
