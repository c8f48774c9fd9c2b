"""The one FilterSet of service requests: "my requests", the agent queue and /api/v1/requests/ use this class.

Every filter reads only the request's own columns and indexed foreign keys (no query to render the form
except the catalog item choices), so list pages keep a constant number of queries.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db.models import Case, F, IntegerField, OrderBy, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Cast
from django.utils import timezone
from django_filters.widgets import DateRangeWidget

from apps.accounts.models import Team
from apps.catalog.models import CatalogItem
from apps.core.filters import FormOnceFilterSet, IdFilter
from apps.fulfillment.choices import OPEN_STATUSES, Priority, RequestStatus
from apps.fulfillment.forms import PickerInput
from apps.fulfillment.models import NUMBER_PREFIX, ServiceRequest, parse_number

DUE_SOON = dt.timedelta(hours=1)
PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}

# ``?view=`` ready views of the queue: named presets, applied by RequestFilterSet.filter_view.
READY_VIEWS = [
    ("mine", "Assigned to me"),
    ("unassigned", "My teams, unassigned"),
    ("overdue", "Overdue"),
    ("waiting", "Waiting for requester"),
]
# ``?ordering=`` keys and the columns behind them; "priority" sorts by rank, not by name.
ORDERING_FIELDS = (
    ("id", "number"),
    ("created_at", "created"),
    ("updated_at", "updated"),
    ("priority", "priority"),
    ("status", "status"),
    ("due_at", "due"),
    ("assignee__username", "assignee"),
)
# The status chips' words, where the full label is too long for a chip.
SHORT_STATUS_LABELS: dict[str, str] = {
    RequestStatus.ON_HOLD: "On hold",
    RequestStatus.AWAITING_APPROVAL: "Awaiting approval",
}
# Fields "my requests" shows; the queue shows them all (see BASIC_FIELDS in the report to the lead).
BASIC_FIELDS = ("q", "status", "state", "item")


def _items(request: Any) -> QuerySet[CatalogItem]:
    if request is None:
        return CatalogItem.objects.none()
    return CatalogItem.objects.visible_to(request.user).only("pk", "slug", "name").order_by("name")


def _priority_rank() -> Case:
    return Case(*(When(priority=p, then=Value(r)) for p, r in PRIORITY_RANK.items()), output_field=IntegerField())


def overdue_q(now: dt.datetime) -> Q:
    """Open requests escalated by the SLA task, or past their due time (services.sla fills due_at)."""
    return Q(status__in=OPEN_STATUSES) & (Q(escalated_at__isnull=False) | Q(due_at__lt=now))


class RequestOrderingFilter(django_filters.OrderingFilter):
    """Column sorting with a stable tie-break on id.

    A missing due time counts as the latest (last ascending, first descending, on SQLite too): PostgreSQL's
    index order, so the due_at index serves the ORDER BY. The unindexed assignee sorts unassigned last.
    """

    def get_ordering_value(self, param: str) -> Any:
        descending = param.startswith("-")
        name = (self.param_map or {}).get(param.lstrip("-"), param.lstrip("-"))
        if name == "priority":
            return _priority_rank().desc() if descending else _priority_rank().asc()
        if name == "assignee__username":
            return F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True)
        if name == "due_at":
            return F(name).desc(nulls_first=True) if descending else F(name).asc(nulls_last=True)
        return f"-{name}" if descending else name

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if not value:
            return qs
        ordering: list[Any] = [self.get_ordering_value(p) for p in value if p]
        if not ordering:
            return qs
        last = ordering[-1]
        descending = last.descending if isinstance(last, OrderBy) else str(last).startswith("-")
        return qs.order_by(*ordering, "-id" if descending else "id")


class RequestFilterSet(FormOnceFilterSet):
    # data-live: static/js/steward.js applies the filter as one types (after a pause), not only on Enter.
    q = django_filters.CharFilter(
        label="Search requests",
        method="filter_q",
        help_text="Number, subject or answers.",
        widget=forms.TextInput(attrs={"type": "search", "data-live": "", "placeholder": "Search requests"}),
    )
    view = django_filters.ChoiceFilter(
        label="Ready view", choices=READY_VIEWS, method="filter_view", empty_label="All requests"
    )
    # Chips (static/css/steward.css .filter-chips): every choice in sight, one click each.
    # distinct=False: a column of the request itself never duplicates rows, and PostgreSQL refuses SELECT
    # DISTINCT with the priority sort (a CASE) outside the select list.
    status = django_filters.MultipleChoiceFilter(
        distinct=False,
        choices=[(value, SHORT_STATUS_LABELS.get(value, label)) for value, label in RequestStatus.choices],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "chips"}),
    )
    state = django_filters.ChoiceFilter(
        label="Open or closed",
        choices=[("open", "Open"), ("closed", "Closed")],
        method="filter_state",
        empty_label="Open and closed",
    )
    priority = django_filters.MultipleChoiceFilter(
        distinct=False, choices=Priority.choices, widget=forms.CheckboxSelectMultiple(attrs={"class": "chips"})
    )
    item = django_filters.ModelChoiceFilter(
        queryset=_items,  # type: ignore[arg-type]  # django-filter accepts a callable; the stubs say QuerySet only
        to_field_name="slug",
        label="Catalog item",
        empty_label="Any item",
    )
    # Pickers: typing any part of a name offers matches (htmx fills the <datalist>); the value sent is the slug
    # or username, as the API takes it.
    service = django_filters.CharFilter(
        field_name="item__service__slug",
        label="Service",
        help_text="Type part of the service's name.",
        widget=PickerInput("catalog:service-search", attrs={"class": "form-control", "placeholder": "Service"}),
    )
    team = django_filters.CharFilter(
        field_name="team__slug",
        label="Team",
        widget=PickerInput("accounts:team-search", attrs={"class": "form-control", "placeholder": "Team"}),
    )
    team_id = IdFilter(field_name="team_id", label="Team id")
    assignee = django_filters.CharFilter(
        label="Assignee",
        method="filter_assignee",
        help_text="A username, “me” or “unassigned”.",
        widget=PickerInput("accounts:user-search", attrs={"class": "form-control", "placeholder": "Assignee"}),
    )
    assignee_id = IdFilter(field_name="assignee_id", label="Assignee id")
    due = django_filters.ChoiceFilter(
        label="Due",
        choices=[("soon", "Due within an hour"), ("overdue", "Overdue"), ("paused", "Clock paused")],
        method="filter_due",
        empty_label="Any time",
    )
    created = django_filters.DateFromToRangeFilter(
        field_name="created_at", label="Filed between", widget=DateRangeWidget({"type": "date"})
    )
    updated = django_filters.DateFromToRangeFilter(
        field_name="updated_at",
        label="Updated between",
        widget=DateRangeWidget({"type": "date"}),
    )
    ordering = RequestOrderingFilter(fields=ORDERING_FIELDS, label="Sort by")

    class Meta:
        model = ServiceRequest
        fields: list[str] = []

    def prepare_form_class(self, form_class: type[forms.Form]) -> None:
        for field in form_class.base_fields.values():
            widget = field.widget
            css = "form-select" if widget.__class__.__name__.endswith("Select") else "form-control"
            widget.attrs.setdefault("class", css)
            for sub in getattr(widget, "widgets", []):
                sub.attrs.setdefault("class", "form-control")

    @property
    def basic_fields(self) -> list[Any]:
        """The bound fields of the "my requests" form (end users need no team or assignee filter)."""
        return [self.form[name] for name in BASIC_FIELDS]

    @property
    def user(self) -> Any:
        return getattr(self.request, "user", None)

    def filter_state(self, queryset: QuerySet[ServiceRequest], name: str, value: str) -> QuerySet[ServiceRequest]:
        if value == "open":
            return queryset.filter(status__in=OPEN_STATUSES)
        if value == "closed":
            return queryset.exclude(status__in=OPEN_STATUSES)
        return queryset

    def filter_q(self, queryset: QuerySet[ServiceRequest], name: str, value: str) -> QuerySet[ServiceRequest]:
        value = value.strip()
        if not value:
            return queryset
        pk = parse_number(value)
        if pk is not None and value.upper().startswith(NUMBER_PREFIX):
            return queryset.filter(pk=pk)  # "SR-000123" is a number, never text: an index lookup
        text = Q(subject__icontains=value) | Q(answers_text__icontains=value)
        queryset = queryset.annotate(answers_text=Cast("answers", TextField()))
        return queryset.filter(text | Q(pk=pk)) if pk is not None else queryset.filter(text)

    def filter_assignee(self, queryset: QuerySet[ServiceRequest], name: str, value: str) -> QuerySet[ServiceRequest]:
        value = value.strip()
        if value == "me":
            return queryset.filter(assignee_id=getattr(self.user, "pk", None))
        if value == "unassigned":
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee__username=value) if value else queryset

    def filter_due(self, queryset: QuerySet[ServiceRequest], name: str, value: str) -> QuerySet[ServiceRequest]:
        now = timezone.now()
        if value == "soon":
            return queryset.filter(status__in=OPEN_STATUSES, due_at__gte=now, due_at__lt=now + DUE_SOON)
        if value == "overdue":
            return queryset.filter(overdue_q(now))
        if value == "paused":
            return queryset.filter(status=RequestStatus.ON_HOLD)
        return queryset

    def filter_view(self, queryset: QuerySet[ServiceRequest], name: str, value: str) -> QuerySet[ServiceRequest]:
        user_pk = getattr(self.user, "pk", None)
        if value == "mine":
            return queryset.filter(assignee_id=user_pk, status__in=OPEN_STATUSES)
        if value == "unassigned":
            # "My teams": the teams the user works in or manages, also when the base queryset is wider (API).
            teams = Team.objects.filter(Q(memberships__user_id=user_pk) | Q(manager_id=user_pk)).values("pk")
            return queryset.filter(assignee__isnull=True, status__in=OPEN_STATUSES, team_id__in=teams)
        if value == "overdue":
            return queryset.filter(overdue_q(timezone.now()))
        if value == "waiting":
            return queryset.filter(status=RequestStatus.ON_HOLD)
        return queryset
