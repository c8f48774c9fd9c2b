"""The agent queue: filter, sort and page the requests of one's teams; bulk actions; saved filters; CSV export."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from itertools import chain
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import BooleanField, ExpressionWrapper, QuerySet
from django.http import HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import get_template
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.accounts.display import name_of
from apps.accounts.http import AuthedRequest
from apps.accounts.models import User
from apps.core.businesstime import BusinessCalendar
from apps.core.http import is_fragment
from apps.core.renderers import JINJA_WIDGETS
from apps.core.timetext import DATETIME_FORMAT
from apps.fulfillment import permissions
from apps.fulfillment.choices import OPEN_STATUSES, Priority, RequestStatus
from apps.fulfillment.exceptions import StaleRequest
from apps.fulfillment.filters import READY_VIEWS, RequestFilterSet, overdue_q
from apps.fulfillment.forms import BulkActionForm, SavedFilterForm
from apps.fulfillment.models import SavedFilter, ServiceRequest, format_number
from apps.fulfillment.selectors import queue as selectors
from apps.fulfillment.selectors.sla import ClockText, clock_text
from apps.fulfillment.services import queue as services
from apps.fulfillment.services import request_assign

PAGE_SIZE = 50
TEMPLATE = "fulfillment/queue.html"
COLUMNS = [
    ("number", "Number"),
    (None, "Subject"),
    (None, "Item"),
    (None, "Requester"),
    ("assignee", "Assignee"),
    ("priority", "Priority"),
    ("status", "Status"),
    ("due", "Due"),
    ("updated", "Updated"),
]
# Filters the page keeps out of its form: ordering is the column headers' job; ids are for links and the API.
HIDDEN_FILTERS = frozenset({"ordering", "team_id", "assignee_id"})
# The compact bar's fields, in order; the rest go behind "More filters" (jinja2/fulfillment/queue_filters.html).
PRIMARY_FILTERS = ("q", "status", "priority", "assignee", "team")
CSV_HEADER = ["number", "subject", "item", "service", "team", "requester", "assignee", "priority", "status",
              "created_at", "updated_at", "due_at", "overdue"]  # fmt: skip


def _require_queue(user: User) -> None:
    if not selectors.can_see_queue(user):
        raise PermissionDenied("The queue is for agents and team managers.")


def _filtered(request: AuthedRequest, data: QueryDict) -> tuple[RequestFilterSet, QuerySet[ServiceRequest]]:
    filterset = RequestFilterSet(data, queryset=selectors.queue_queryset_for(request.user), request=request)
    flag = ExpressionWrapper(overdue_q(timezone.now()), output_field=BooleanField())
    return filterset, filterset.qs.annotate(is_overdue=flag)


def _with(params: QueryDict, **changes: Any) -> str:
    """``params`` with ``changes`` (None drops a key) as ``?query`` (the ``{% querystring %}`` tag, in Python)."""
    query = params.copy()
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return f"?{query.urlencode()}" if query else ""


def _headers(params: QueryDict) -> list[dict[str, Any]]:
    """Column headers with the link (``ordering``; a second click reverses) each one sorts by, and its aria-sort."""
    current = params.get("ordering", "")
    headers = []
    for key, label in COLUMNS:
        sort = {"asc": "ascending", "desc": "descending"}
        state = "asc" if key and current == key else "desc" if key and current == f"-{key}" else ""
        next_ordering = f"-{key}" if state == "asc" else key
        href = _with(params, ordering=next_ordering, page=None) if key else ""
        headers.append({"key": key, "label": label, "href": href, "aria_sort": sort.get(state)})
    return headers


# The rows are the page's hot loop: Jinja2 renders them (templates/jinja2/fulfillment/queue_rows.html, autoescaped)
# in about a third of the Django engine's time; the rest of the page stays a Django template.
BADGES = {
    **dict.fromkeys(("fulfilled", "closed", "approved"), "text-bg-success"),
    **dict.fromkeys(("rejected", "failed"), "text-bg-danger"),
    "cancelled": "text-bg-secondary",
    **dict.fromkeys(("on_hold", "awaiting_approval"), "text-bg-warning"),
}
STATUS_LABELS = dict(RequestStatus.choices)
PRIORITY_LABELS = dict(Priority.choices)
ROWS_TEMPLATE = "fulfillment/queue_rows.html"
DEFAULT_CALENDAR = BusinessCalendar()  # a team gone since the page's rows were read
FILTERS_TEMPLATE = "fulfillment/queue_filters.html"


def _url_prefix(name: str, *tail: str) -> str:
    """The URL ``name`` gives request SR-000001, cut before the number: rows append theirs (no reverse() per row)."""
    marker = format_number(1)
    url = reverse(name, args=[marker])
    if url != "/".join([url.rpartition(marker)[0] + marker, *tail, ""]):
        raise ValueError(f"{name} does not end with the request number: {url}")
    return url.rpartition(marker)[0]


class _LocalTimes:
    """An aware datetime as (ISO 8601, text) in the current time zone, the text in apps.core.timetext's format
    (as the ``when`` filter writes it). The zone is read once per page, not per value, and a text is reused
    for a later value in the same minute when the format shows nothing finer."""

    def __init__(self) -> None:
        self.zone = timezone.get_current_timezone()
        self.format = DATETIME_FORMAT  # the one format of every page (apps.core.timetext)
        self.by_minute = not set(self.format) & set("suvcrU\\")  # seconds, micro/milliseconds, epoch, escapes
        self.texts: dict[Any, str] = {}

    def __call__(self, value: Any) -> tuple[str, str]:
        local = value.astimezone(self.zone)
        key = local.replace(second=0, microsecond=0) if self.by_minute else local
        text = self.texts.get(key)
        if text is None:
            text = self.texts[key] = dateformat.format(local, self.format)
        return local.isoformat(), text


def _sla(rows: list[dict[str, Any]]) -> Any:
    """A row's SLA clock text in its team's business time (the calendars come with the rows: no query)."""
    calendars = selectors.row_calendars([row for row in rows if row["due_at"] is not None])
    now = timezone.now()

    def clock(row: dict[str, Any]) -> ClockText:
        calendar = calendars.get(row["team_id"]) or DEFAULT_CALENDAR
        overdue = bool(row.get("is_overdue"))
        return clock_text(status=row["status"], due_at=row["due_at"], overdue=overdue, calendar=calendar, now=now)

    return clock


def rows_html(rows: list[dict[str, Any]], user: User, work_team_ids: frozenset[int], everywhere: bool) -> SafeString:
    """The queue's <tr> elements for selectors.queue.QUEUE_ROW_FIELDS rows."""
    context = {
        "person_name": name_of,
        "sla": _sla(rows),
        "open_statuses": OPEN_STATUSES,
        "rows": rows,
        "number_of": format_number,
        "detail_prefix": _url_prefix("fulfillment:request-detail"),
        "take_prefix": _url_prefix("fulfillment:request-assign-me", "assign-me"),
        "local_time": _LocalTimes(),
        "badges": BADGES,
        "status_labels": STATUS_LABELS,
        "priority_labels": PRIORITY_LABELS,
        "user_id": user.pk,
        "work_team_ids": work_team_ids,
        "everywhere": everywhere,
    }
    html = get_template(ROWS_TEMPLATE, using="jinja2").render(context)
    return mark_safe(html)  # noqa: S308 - an autoescaped Jinja2 template's output


FILTERS_CACHE_SECONDS = 300


def filters_html(form: Any) -> SafeString:
    """The filter form's visible fields, each in its column with label, help and errors (one Jinja2 render:
    a Django include per field cost as much as the widgets).

    The markup depends only on what was asked (the query string), the catalog item choices and the language,
    so it is kept in the cache under those: most queue pages are the same few views, and rendering a dozen
    widgets cost a tenth of the page. Nothing of the viewer other than their item choices goes in.
    """
    item_choices = form.fields["item"].widget.choices
    asked = form.data.urlencode() if form.is_bound else None
    inputs = repr((asked, list(item_choices), get_language(), FILTERS_TEMPLATE))
    key = f"fulfillment:queue-filters:{hashlib.sha256(inputs.encode()).hexdigest()}"
    html = cache.get(key)
    if html is None:
        names = [name for name in form.fields if name not in HIDDEN_FILTERS]
        more = [name for name in names if name not in PRIMARY_FILTERS]
        data = form.data if form.is_bound else {}
        context = {
            "primary": [form[name] for name in PRIMARY_FILTERS if name in form.fields],
            "more": [form[name] for name in more],
            "more_set": sum(1 for name in more if any(key.startswith(name) and data.get(key) for key in data)),
        }
        html = get_template(FILTERS_TEMPLATE, using="jinja2").render(context)
        cache.set(key, html, FILTERS_CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 - an autoescaped Jinja2 template's output


def _queue_context(request: AuthedRequest, params: QueryDict, **extra: Any) -> dict[str, Any]:
    filterset, queryset = _filtered(request, params)
    user = request.user
    works = user.has_perm("fulfillment.work_servicerequest")
    page = selectors.queue_page(queryset, number=params.get("page"), page_size=PAGE_SIZE)
    work_team_ids = permissions.team_ids(user) if works else frozenset()
    bulk_form = extra.pop("bulk_form", None) or BulkActionForm(auto_id="id_bulk_%s")
    filterset.form.renderer = bulk_form.renderer = JINJA_WIDGETS
    item_field = filterset.form.fields["item"]
    empty_label = getattr(item_field, "empty_label", "")  # a ModelChoiceField's; Field does not declare it
    item_field.widget.choices = [("", empty_label), *selectors.queue_item_choices(user)]
    return {
        "filterset": filterset,
        "page": page,
        "rows_html": rows_html(page.object_list, user, work_team_ids, user.is_superuser),
        "count": selectors.queue_count(queryset, page),
        "previous_href": _with(params, page=page.previous_page_number) if page.has_previous else "",
        "next_href": _with(params, page=page.next_page_number) if page.has_next else "",
        "params": params,
        "queue_url": reverse("fulfillment:queue"),
        "bulk_url": reverse("fulfillment:queue-bulk"),
        "query": services.clean_query(params.urlencode()),
        "headers": _headers(params),
        "ready_views": READY_VIEWS,
        "current_view": params.get("view", ""),
        "bulk_form": bulk_form,
        **extra,
    }


def _back_to_queue(request: AuthedRequest, query: str, **extra: Any) -> HttpResponse:
    """htmx: the refreshed results region (with what happened); otherwise redirect to the queue with a message."""
    if is_fragment(request):
        context = _queue_context(request, QueryDict(query), oob_ordering=True, **extra)
        return render(request, f"{TEMPLATE}#results", context)
    if extra.get("notice"):
        messages.success(request, extra["notice"])
    for error in extra.get("errors", []):
        messages.error(request, error)
    return redirect(f"{reverse('fulfillment:queue')}?{query}" if query else reverse("fulfillment:queue"))


@login_required
@require_GET
@vary_on_headers("HX-Request")
def queue(request: AuthedRequest) -> HttpResponse:
    """The requests of the user's teams: filters, ready views, sortable columns, pages without a count."""
    _require_queue(request.user)
    if is_fragment(request):
        return render(request, f"{TEMPLATE}#results", _queue_context(request, request.GET, oob_ordering=True))
    context = _queue_context(request, request.GET)
    context["filters_html"] = filters_html(context["filterset"].form)
    context["saved_filters"] = selectors.saved_filters_for(request.user)
    context["save_form"] = SavedFilterForm()
    context["save_form"].renderer = JINJA_WIDGETS
    return render(request, TEMPLATE, context)


def _run_bulk(request: AuthedRequest, form: BulkActionForm) -> str:
    data, versions = form.cleaned_data, form.cleaned_data["selected"]
    if data["action"] == "status":
        done = services.request_bulk_transition(
            actor=request.user, versions=versions, to=data["to"], comment=data.get("comment", "")
        )
        return f"{len(done)} request(s) moved to “{permissions.S(data['to']).label}”."
    assignee = request.user if data["action"] == "assign_me" else data["assignee"]
    done = services.request_bulk_assign(actor=request.user, versions=versions, assignee=assignee)
    return f"{len(done)} request(s) assigned to {assignee.username}."


@login_required
@require_POST
def queue_bulk(request: AuthedRequest) -> HttpResponse:
    """Bulk assign or status change: every ticked request or none; refusals say which and why."""
    _require_queue(request.user)
    form = BulkActionForm(request.POST, auto_id="id_bulk_%s")
    query = services.clean_query(request.POST.get("query", ""))
    if not form.is_valid():
        errors = [
            f"{form.fields[n].label if n in form.fields else 'Form'}: {' '.join(map(str, e))}"
            for n, e in form.errors.items()
        ]
        return _back_to_queue(request, query, errors=errors, bulk_form=form)
    try:
        notice = _run_bulk(request, form)
    except services.BulkRefused as exc:
        errors = ["Nothing was changed."] + [f"{r.number}: {r.reason}" for r in exc.refusals]
        return _back_to_queue(request, query, errors=errors, refusals=exc.refusals)
    except ValidationError as exc:
        return _back_to_queue(request, query, errors=["Nothing was changed.", *exc.messages])
    return _back_to_queue(request, query, notice=notice)


@login_required
@require_POST
def request_assign_me(request: AuthedRequest, number: str) -> HttpResponse:
    """Take a request. From the queue (``query`` posted) the queue comes back; otherwise the request page."""
    sr = permissions.get_request_for_user(request.user, number)
    version = request.POST.get("version", "")
    notice, errors = f"{sr.number} is assigned to you.", []
    try:
        request_assign(
            request=sr,
            assignee=request.user,
            actor=request.user,
            expected_version=int(version) if version.isdigit() else None,
        )
    except (PermissionDenied, ValidationError, StaleRequest) as exc:
        notice, errors = "", [services.refusal_reason(exc)]
    if "query" in request.POST:
        return _back_to_queue(request, services.clean_query(request.POST["query"]), notice=notice, errors=errors)
    for error in errors:
        messages.error(request, error)
    if is_fragment(request):
        return HttpResponse(headers={"HX-Redirect": sr.get_absolute_url()})
    return redirect(sr)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> str:
    """No spreadsheet formulas from user text (CSV injection)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_row(sr: Any) -> list[str]:
    values = [sr.number, sr.subject, sr.item.name, sr.item.service.slug, sr.team.slug,
              sr.requester.username, getattr(sr.assignee, "username", ""), sr.priority, sr.status,
              sr.created_at.isoformat(), sr.updated_at.isoformat(), sr.due_at and sr.due_at.isoformat(),
              "yes" if sr.is_overdue else "no"]  # fmt: skip
    return [_cell(v) for v in values]


@login_required
@require_GET
def queue_export(request: AuthedRequest) -> StreamingHttpResponse:
    """The filtered queue as CSV, streamed (at most selectors.EXPORT_MAX_ROWS rows)."""
    _require_queue(request.user)
    _, queryset = _filtered(request, request.GET)
    writer = csv.writer(_Echo())
    rows: Iterator[list[str]] = chain([CSV_HEADER], map(_csv_row, selectors.export_rows(queryset)))
    response = StreamingHttpResponse((writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="requests-{timezone.now():%Y%m%d-%H%M}.csv"'
    return response


@login_required
@require_POST
def queue_filter_save(request: AuthedRequest) -> HttpResponse:
    _require_queue(request.user)
    form = SavedFilterForm(request.POST)
    query = services.clean_query(request.POST.get("query", ""))
    if form.is_valid():
        try:
            saved = services.saved_filter_save(user=request.user, name=form.cleaned_data["name"], query=query)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Saved the filter “{saved.name}”.")
    else:
        messages.error(request, "Give the filter a name (at most 80 characters).")
    return redirect(f"{reverse('fulfillment:queue')}?{query}" if query else reverse("fulfillment:queue"))


@login_required
@require_GET
def queue_filter_apply(request: AuthedRequest, pk: int) -> HttpResponse:
    saved = get_object_or_404(SavedFilter, pk=pk, user_id=request.user.pk)
    return redirect(f"{reverse('fulfillment:queue')}?{saved.query}" if saved.query else reverse("fulfillment:queue"))


@login_required
@require_POST
def queue_filter_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    saved = get_object_or_404(SavedFilter, pk=pk, user_id=request.user.pk)
    services.saved_filter_delete(saved=saved, actor=request.user)
    messages.success(request, f"Deleted the filter “{saved.name}”.")
    return redirect("fulfillment:queue")
