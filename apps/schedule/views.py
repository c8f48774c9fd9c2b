"""HTML and JSON views of the change calendar: the calendar page and its events, the side panel, moving a change,
the window builder, the forward schedule, the CAB agenda, planned maintenance and the iCalendar feeds."""

from __future__ import annotations

import csv
import datetime as dt
import json
from typing import Any

import orjson
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.accounts.authentication import RememberedTokens
from apps.accounts.http import AuthedRequest
from apps.catalog.models import Service
from apps.changes import gate
from apps.changes import selectors as change_selectors
from apps.changes.approvals import pending_for
from apps.changes.exceptions import StaleChange
from apps.changes.filters import ChangeFilterSet
from apps.changes.models import Change, Window
from apps.changes.permissions import can_edit_change, get_change_for_user, is_change_manager, team_ids
from apps.core.http import is_fragment
from apps.core.links import site_url
from apps.schedule import feeds, presenters, selectors, services, stamps
from apps.schedule.forms import ForwardForm, MoveForm, RangeForm, RescheduleForm, WindowBuilderForm
from apps.schedule.models import FeedToken
from apps.schedule.permissions import MAX_KEY_LENGTH, check_window_manager, get_feed_token
from apps.schedule.rrules import check_recurrence, occurrences

PANEL = "schedule/change_panel.html"
MAINTENANCE_DAYS = 60

# Calendar clients poll every few minutes with the same token: its query is skipped for a minute, its state checked.
REMEMBERED = RememberedTokens(FeedToken, seconds=60)


def _errors(form: BaseForm) -> dict[str, list[str]]:
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


def _add_errors(form: BaseForm, exc: ValidationError) -> None:
    for name, errors in (exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}).items():
        form.add_error(name if name in form.fields else None, errors)


def _filterset(request: AuthedRequest) -> ChangeFilterSet:
    return ChangeFilterSet(request.GET, queryset=change_selectors.change_queryset_for(request.user), request=request)


@login_required
@require_GET
def calendar(request: AuthedRequest) -> HttpResponse:
    """The calendar page; its filters are the change list's, kept in the URL (bookmarkable)."""
    filterset = _filterset(request)
    live = FeedToken.objects.filter(user=request.user, revoked_at__isnull=True).first()
    context = {
        "filterset": filterset,
        "query": request.GET.urlencode(),
        "tz": timezone.get_current_timezone_name(),
        "can_manage": is_change_manager(request.user),
        "feed_token": live,
        "team_services": Service.objects.filter(owner_team_id__in=team_ids(request.user)).order_by("name"),
    }
    return render(request, "schedule/calendar.html", context, status=200 if filterset.is_valid() else 400)


@login_required
@require_GET
def events(request: AuthedRequest) -> HttpResponse:
    """FullCalendar's event source: the changes of the range that the FilterSet keeps, and the windows drawn
    (compact columns: presenters.events_json; static/schedule/calendar.js makes them events)."""
    bounds = RangeForm(request.GET)
    filterset = _filterset(request)
    if not bounds.is_valid() or not filterset.is_valid():
        return JsonResponse({"errors": {**_errors(bounds), **_errors(filterset.form)}}, status=400)
    start, end = bounds.cleaned_data["start"], bounds.cleaned_data["end"]
    stamp = stamps.calendar_stamp()  # keys what every viewer shares: the range's links, conflicts and windows
    found = selectors.event_rows(filterset.qs, start, end, stamp=stamp)
    chosen = filterset.form.cleaned_data
    service = chosen.get("service")
    service_id = service.pk if service is not None else chosen.get("service_id")
    environment = chosen.get("environment")
    windows = selectors.range_windows(
        start,
        end,
        stamp,
        service_ids=[int(service_id)] if service_id else None,
        environment_id=environment.pk if environment is not None else chosen.get("environment_id"),
    )
    days = request.GET.get("bands") == "days"
    bands = [presenters.window_event(occurrence, i, days=days) for i, occurrence in enumerate(windows)]
    payload = presenters.events_json(found, selectors.Editor.of(request.user), bands)
    # orjson: ten thousand rows encode in a few milliseconds (the json module takes ten times as long).
    return HttpResponse(orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS), content_type="application/json")


def _panel_context(request: AuthedRequest, change: Change, **extra: Any) -> dict[str, Any]:
    editable = can_edit_change(request.user, change)
    initial = {
        "planned_start": timezone.localtime(change.planned_start).replace(second=0, microsecond=0, tzinfo=None),
        "planned_end": timezone.localtime(change.planned_end).replace(second=0, microsecond=0, tzinfo=None),
        "version": change.version,
    }
    return {
        "change": change,
        "gate": gate.gate_decide(change),
        "conflicts": change_selectors.conflicting_changes(change, statuses=selectors.CONFLICT_STATUSES)[:10],
        "can_edit": editable,
        "form": RescheduleForm(initial=initial) if editable else None,
        **extra,
    }


def _panel(request: AuthedRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    template = f"{PANEL}#panel" if is_fragment(request) else PANEL
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def panel(request: AuthedRequest, number: str) -> HttpResponse:
    """A change's summary with the gate's decision; POST moves it (the keyboard alternative to dragging)."""
    change = get_change_for_user(request.user, number, for_edit=request.method == "POST", detail=True)
    if request.method == "GET":
        return _panel(request, _panel_context(request, change))
    form = RescheduleForm(request.POST)
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        try:
            moved = services.change_reschedule(
                change=change, actor=request.user, start=data["planned_start"], end=data["planned_end"],
                expected_version=data["version"],
            )  # fmt: skip
        except ValidationError as exc:
            _add_errors(form, exc)
        except StaleChange as exc:
            form.add_error(None, exc.message)
            status = 409
        else:
            change = get_change_for_user(request.user, number, detail=True)
            response = _panel(request, _panel_context(request, change, moved=moved))
            response["HX-Trigger"] = "calendar-changed"
            return response
    return _panel(request, _panel_context(request, change, form=form), status=status)


def _move_body(request: HttpRequest) -> dict[str, Any]:
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            return {}
        return body if isinstance(body, dict) else {}
    return request.POST.dict()


@login_required
@require_POST
def move(request: AuthedRequest, number: str) -> JsonResponse:
    """A drag or resize, as JSON: 200 with the event as it now is, 400 with the reason (a freeze), 409 if stale."""
    change = get_change_for_user(request.user, number, for_edit=True)
    form = MoveForm(_move_body(request))
    if not form.is_valid():
        return JsonResponse({"message": "Give the new start and end.", "errors": _errors(form)}, status=400)
    data = form.cleaned_data
    try:
        moved = services.change_reschedule(
            change=change, actor=request.user, start=data["start"], end=data["end"], expected_version=data["version"]
        )
    except ValidationError as exc:
        return JsonResponse({"message": " ".join(exc.messages), "errors": exc.message_dict}, status=400)
    except StaleChange as exc:
        return JsonResponse({"message": exc.message}, status=409)
    note = f"{moved.change.number} moved; status {moved.change.get_status_display()}."
    if moved.approvals_reset:
        note += " Its approvals were withdrawn: it is assessed and routed again."
    return JsonResponse({"message": note, "warnings": moved.warnings, "version": moved.change.version})


def _window_builder(request: AuthedRequest, window: Window | None) -> HttpResponse:
    check_window_manager(request.user)
    initial = {"timezone": request.user.timezone} if window is None else {}
    form = WindowBuilderForm(request.POST or None, window=window, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.window_save(actor=request.user, window=window, **form.window_values())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"The window “{saved.title}” is saved.")
            return redirect("schedule:calendar")
    return render(request, "schedule/window_builder.html", {"form": form, "window": window})


@login_required
@require_http_methods(["GET", "POST"])
def window_create(request: AuthedRequest) -> HttpResponse:
    return _window_builder(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def window_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    return _window_builder(request, get_object_or_404(Window, pk=pk))


@login_required
@require_GET
def window_preview(request: AuthedRequest) -> HttpResponse:
    """The builder's preview (htmx): the RRULE it writes and the next ten occurrences in the window's zone."""
    check_window_manager(request.user)
    form = WindowBuilderForm(request.GET)
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        values = form.window_values()
        context["rrule"] = values["rrule"]
        try:
            services_check = {**values, "is_active": values.get("is_active", True)}
            check_recurrence(services_check, now=timezone.now())
            context["occurrences"] = occurrences(
                rrule=values["rrule"], tz=values["timezone"], starts_at=values["starts_at"],
                ends_at=values["ends_at"], after=timezone.now(),
            )  # fmt: skip
        except ValidationError as exc:
            context["refusals"] = exc.messages
    return render(request, "schedule/window_builder.html#preview", context)


@login_required
@require_GET
def forward(request: AuthedRequest) -> HttpResponse:
    """Changes planned in the next 7, 14 or 30 days, grouped by day; CSV with ``format=csv``."""
    form = ForwardForm(request.GET or None)
    days = form.cleaned_data["days"] if form.is_valid() else 7
    changes = selectors.forward_schedule(change_selectors.change_queryset_for(request.user), days=days)
    if form.is_bound and form.is_valid() and form.cleaned_data.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="forward-schedule-{timezone.now():%Y%m%d}.csv"'
        writer = csv.writer(response)
        writer.writerow(presenters.CSV_HEADER)
        zone = timezone.get_current_timezone()
        writer.writerows(presenters.csv_row(change, zone) for change in changes)
        return response
    context = {"form": form, "days": days, "grouped": selectors.group_by_day(changes), "count": len(changes)}
    return render(
        request, "schedule/forward.html", context, status=200 if not form.is_bound or form.is_valid() else 400
    )


@login_required
@require_GET
def cab(request: AuthedRequest) -> HttpResponse:
    """The CAB agenda: high-risk changes waiting for a decision, oldest first; approvers decide from here."""
    agenda = list(selectors.cab_agenda(change_selectors.change_queryset_for(request.user)))
    mine = {item.key for item in pending_for(request.user, 500)}
    rows = [(change, change.number in mine) for change in agenda]
    return render(request, "schedule/cab.html", {"rows": rows})


@login_required
@require_POST
def feed_token_regenerate(request: AuthedRequest) -> HttpResponse:
    """A new feed secret; the subscribe links are shown once, on the answer (the old ones stop working)."""
    _, key = services.feed_token_regenerate(user=request.user)
    links = [("Your changes and windows", site_url(reverse("schedule-public:feed-mine", args=[key])))]
    links += [
        (f"Service: {service.name}", site_url(reverse("schedule-public:feed-service", args=[key, service.slug])))
        for service in Service.objects.filter(owner_team_id__in=team_ids(request.user)).order_by("name")
    ]
    links.append(("Planned maintenance", site_url(reverse("schedule-public:feed-maintenance", args=[key]))))
    webcal = [(label, url, "webcal://" + url.split("://", 1)[1]) for label, url in links]
    return render(request, "schedule/feed_links.html", {"links": webcal})


@login_required
@require_POST
def feed_token_revoke(request: AuthedRequest) -> HttpResponse:
    revoked = services.feed_token_revoke(user=request.user)
    return render(request, "schedule/feed_links.html", {"links": [], "revoked": revoked})


@login_required
@require_GET
def maintenance(request: AuthedRequest) -> HttpResponse:
    """Planned maintenance of the services the user uses: windows and changes marked visible to end users."""
    now = timezone.now()
    end = now + dt.timedelta(days=MAINTENANCE_DAYS)
    used = list(selectors.services_used_by(request.user))
    ids = [service.pk for service in used]
    windows = selectors.window_occurrences(now, end, service_ids=ids, kinds=("maintenance",))
    changes = selectors.maintenance_changes(ids, now, end)
    live = FeedToken.objects.filter(user=request.user, revoked_at__isnull=True).first()
    context = {"services": used, "windows": windows[:50], "changes": changes[:50], "feed_token": live}
    return render(request, "schedule/maintenance.html", context)


def _conditional(request: HttpRequest, stamp: feeds.Stamp) -> tuple[HttpResponse | None, str, int | None]:
    etag = f'"{stamp.etag}"'
    modified = int(stamp.last_modified.timestamp()) if stamp.last_modified else None
    return get_conditional_response(request, etag=etag, last_modified=modified), etag, modified


def _feed(request: HttpRequest, key: str, feed: str, scope_of: Any) -> HttpResponse:
    """A feed, or 304 when the client's copy is current. A poll (If-None-Match) is checked first against the scope
    the token's last answer built (feeds.remembered_tag): with a token this process saw in the last minute, in one
    query (the calendar's stamp, checking the token too); else two (the token, then the stamp)."""
    polled = "If-None-Match" in request.headers
    if polled and (answered := remembered_poll(request, key, feed)) is not None:
        return answered
    token = get_feed_token(key)
    response: HttpResponse | None = None
    tag = feeds.remembered_tag(token.pk, feed) if polled else None
    if tag is not None:
        stamp = feeds.feed_stamp(tag)
        response, etag, modified = _conditional(request, stamp)
    if response is None:
        scope = scope_of(token.user)  # the scope and its permission, built afresh
        stamp = feeds.feed_stamp(feeds.remember_tag(token.pk, feed, scope))
        response, etag, modified = _conditional(request, stamp)
        if response is None:
            body = feeds.feed_body(scope, stamp, base_url=site_url("/").rstrip("/"))
            response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
            response["Content-Disposition"] = 'inline; filename="steward.ics"'
    answered = _finished(response, token, etag, modified)
    REMEMBERED.remember(key, token)  # after _finished, with the last use it wrote: polls then write nothing
    return answered


def remembered_poll(request: HttpRequest, key: str, feed: str) -> HttpResponse | None:
    """The 304 for a token remembered by this process, checked live in the stamp's own query; None otherwise
    (unknown or lapsed token, no remembered scope, or the feed changed): the full path answers."""
    token = REMEMBERED.get(key) if 0 < len(key) <= MAX_KEY_LENGTH else None
    tag = feeds.remembered_tag(token.pk, feed) if token is not None else None
    if token is None or tag is None:
        return None
    stamp = feeds.feed_stamp_checking(tag, token.pk)
    if stamp is None:
        REMEMBERED.forget(key)  # revoked, or its user deactivated: the full path answers 404
        return None
    response, etag, modified = _conditional(request, stamp)
    return None if response is None else _finished(response, token, etag, modified)


def _finished(response: HttpResponse, token: FeedToken, etag: str, modified: int | None) -> HttpResponse:
    response["ETag"] = etag
    if modified is not None:
        response["Last-Modified"] = http_date(modified)
    response["Cache-Control"] = "private, no-cache"  # clients revalidate with If-None-Match: 304 costs little
    services.feed_token_used(token)
    return response


def feed_name(url_name: str, slug: str = "") -> str | None:
    """The feed a feed URL's name (and slug) stands for, as the views below name it; None for another URL."""
    names = {"feed-mine": "mine", "feed-maintenance": "maintenance", "feed-service": f"service:{slug}"}
    return names.get(url_name)


@require_GET
def feed_mine(request: HttpRequest, token: str) -> HttpResponse:
    return _feed(request, token, "mine", feeds.mine)


@require_GET
def feed_service(request: HttpRequest, token: str, slug: str) -> HttpResponse:
    def scope(user: Any) -> feeds.FeedScope:
        return feeds.for_service(user, get_object_or_404(Service, slug=slug))

    return _feed(request, token, f"service:{slug}", scope)


@require_GET
def feed_maintenance(request: HttpRequest, token: str) -> HttpResponse:
    return _feed(request, token, "maintenance", feeds.maintenance)
