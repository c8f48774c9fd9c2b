"""The catalog pages: the product's front door, where users browse, search and open request types."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from apps.accounts.http import AuthedRequest
from apps.catalog.filters import CatalogItemFilterSet, ServiceFilterSet
from apps.catalog.permissions import get_item_for_user, get_service_for_user
from apps.catalog.selectors import (
    HELP_ITEM_SLUG,
    categories_with_items_for,
    category_list,
    help_item_for,
    item_queryset_for,
    service_queryset_for,
    service_search,
)
from apps.core.http import is_fragment

PAGE_SIZE = 24
PICKER_LIMIT = 10  # options a picker's <datalist> shows, as accounts' people and team pickers


def _partial(request: HttpRequest, template: str, region: str) -> str:
    """The whole page, or only ``region`` for an htmx request that is not a boosted navigation."""
    return f"{template}#{region}" if is_fragment(request) else template


@login_required
@require_GET
def catalog_home(request: AuthedRequest) -> HttpResponse:
    categories = categories_with_items_for(request.user)
    # Among the items already read: no query of its own.
    items = (item for category in categories for item in getattr(category, "visible_items", []))
    help_item = next((item for item in items if item.slug == HELP_ITEM_SLUG), None)
    return render(request, "catalog/catalog_home.html", {"categories": categories, "help_item": help_item})


@login_required
@require_GET
def category_detail(request: AuthedRequest, slug: str) -> HttpResponse:
    category = get_object_or_404(category_list(), slug=slug)
    items = item_queryset_for(request.user).filter(category=category).order_by("name")
    return render(request, "catalog/category_detail.html", {"category": category, "items": items})


@login_required
@require_GET
@vary_on_headers("HX-Request")
def item_search(request: AuthedRequest) -> HttpResponse:
    filterset = CatalogItemFilterSet(request.GET, queryset=item_queryset_for(request.user).order_by("name"))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"filterset": filterset, "page": page, "q": filterset.form.cleaned_data.get("q", "")}
    # Nothing matches: point at "Ask for help" (one query, only then).
    context["help_item"] = None if page.object_list else help_item_for(request.user)
    return render(request, _partial(request, "catalog/item_search.html", "results"), context)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def service_list(request: AuthedRequest) -> HttpResponse:
    filterset = ServiceFilterSet(request.GET, queryset=service_queryset_for(request.user))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"filterset": filterset, "page": page}
    return render(request, _partial(request, "catalog/service_list.html", "results"), context)


@login_required
@require_GET
def service_detail(request: AuthedRequest, slug: str) -> HttpResponse:
    service = get_service_for_user(request.user, slug)
    items = item_queryset_for(request.user).filter(service=service).order_by("name")
    return render(request, "catalog/service_detail.html", {"service": service, "items": items})


@login_required
@require_GET
def item_detail(request: AuthedRequest, slug: str) -> HttpResponse:
    item = get_item_for_user(request.user, slug)
    fields = item.current_form.definition["fields"] if item.current_form else []
    return render(request, "catalog/item_detail.html", {"item": item, "form_fields": fields})


@login_required
@require_GET
def service_options(request: AuthedRequest) -> HttpResponse:
    """The <option>s of a service picker (fulfillment.forms.PickerInput): value the slug, text the name."""
    services = service_search(request.user, query=request.GET.get("q", ""), limit=PICKER_LIMIT)
    return render(request, "catalog/service_options.html", {"services": services})
