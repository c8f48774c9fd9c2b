"""The catalog builder: catalog managers create and edit services, catalog items and their request forms.

Every view checks the role first (anyone else: 403). The request-form editor posts its whole state on every
button: the server adds, removes and moves fields and answers the editor's part of the page (htmx) or the
page; the live preview is rendered by the same form engine as the requester's page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from apps.accounts.http import AuthedRequest
from apps.catalog import selectors, services
from apps.catalog.builder import Builder, Problem, apply_op, rows_from_definition, rows_from_post
from apps.catalog.exceptions import StaleForm
from apps.catalog.filters import CatalogItemFilterSet
from apps.catalog.formdefs import build_form_class
from apps.catalog.formdefs.jsonio import DefinitionImportError, definition_dumps, definition_loads
from apps.catalog.forms import FormImportForm, ItemForm, ServiceForm, attach_errors, config_form
from apps.catalog.models import CatalogItem, FormVersion
from apps.catalog.permissions import get_item_for_manager, get_service_for_manager, require_catalog_manager
from apps.core.http import is_fragment

PAGE_SIZE = 50
BUILDER = "catalog/manage/item_builder.html"


def _template(request: AuthedRequest, template: str, region: str) -> str:
    return f"{template}#{region}" if is_fragment(request) else template


# --- Lists ------------------------------------------------------------------------------------------------


@login_required
@require_GET
@vary_on_headers("HX-Request")
def item_list(request: AuthedRequest) -> HttpResponse:
    require_catalog_manager(request.user)
    filterset = CatalogItemFilterSet(request.GET, queryset=selectors.item_manage_queryset())
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    template = _template(request, "catalog/manage/item_list.html", "results")
    return render(request, template, {"filterset": filterset, "page": page})


@login_required
@require_GET
@vary_on_headers("HX-Request")
def service_list(request: AuthedRequest) -> HttpResponse:
    require_catalog_manager(request.user)
    services_qs = selectors.service_manage_queryset()
    q = request.GET.get("q", "")[:100].replace("\x00", "")
    if q:
        services_qs = services_qs.filter(Q(name__icontains=q) | Q(slug__icontains=q))
    page = Paginator(services_qs, PAGE_SIZE).get_page(request.GET.get("page"))
    template = _template(request, "catalog/manage/service_list.html", "results")
    return render(request, template, {"page": page, "q": q})


# --- Services ---------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def service_create(request: AuthedRequest) -> HttpResponse:
    require_catalog_manager(request.user)
    form = ServiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service = services.service_create(
                data=form.service_data(), actor=request.user, slug=form.cleaned_data["slug"]
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, f"The service “{service.name}” is created.")
            return redirect("catalog:manage-service-list")
    return render(request, "catalog/manage/service_form.html", {"form": form, "service": None})


@login_required
@require_http_methods(["GET", "POST"])
def service_edit(request: AuthedRequest, slug: str) -> HttpResponse:
    service = get_service_for_manager(request.user, slug)
    form = ServiceForm(request.POST or None, service=service)
    if request.method == "POST" and form.is_valid():
        try:
            service = services.service_update(service=service, data=form.service_data(), actor=request.user)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, f"The service “{service.name}” is saved.")
            return redirect("catalog:manage-service-list")
    return render(request, "catalog/manage/service_form.html", {"form": form, "service": service})


# --- Catalog items: settings ------------------------------------------------------------------------------


def _item_forms(request: AuthedRequest, item: CatalogItem | None) -> tuple[ItemForm, Any]:
    """The item's form and the settings form of the action it names (posted, else the saved one)."""
    data = request.POST if request.method == "POST" else None
    form = ItemForm(data, item=item)
    action = form.data.get("automation_action", "") if data is not None else (item.automation_action if item else "")
    initial = item.automation_config if item is not None and action == item.automation_action else None
    return form, config_form(str(action)[:64], data=data, initial=initial)


def _save_item(request: AuthedRequest, item: CatalogItem | None, form: ItemForm, config: Any) -> CatalogItem | None:
    """The saved item, or None with the service's errors next to the inputs they name."""
    settings = config.config() if config is not None else {}
    try:
        if item is None:
            return services.item_create(
                data=form.item_data(settings), actor=request.user, slug=form.cleaned_data["slug"]
            )
        return services.item_update(item=item, data=form.item_data(settings), actor=request.user)
    except ValidationError as exc:
        attach_errors(form, exc, elsewhere={"automation_config": config} if config is not None else None)
        return None


def _item_page(request: AuthedRequest, item: CatalogItem | None) -> HttpResponse:
    form, config = _item_forms(request, item)
    if request.method == "POST" and form.is_valid() and (config is None or config.is_valid()):
        saved = _save_item(request, item, form, config)
        if saved is not None:
            messages.success(request, f"“{saved.name}” is saved.")
            target = "catalog:manage-item-form" if item is None else "catalog:manage-item-edit"
            return redirect(target, slug=saved.slug)
    context = {"form": form, "config": config, "item": item}
    return render(request, "catalog/manage/item_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def item_create(request: AuthedRequest) -> HttpResponse:
    require_catalog_manager(request.user)
    return _item_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request: AuthedRequest, slug: str) -> HttpResponse:
    return _item_page(request, get_item_for_manager(request.user, slug))


@login_required
@require_GET
def automation_config(request: AuthedRequest) -> HttpResponse:
    """The settings form of the action chosen in the item form (htmx swaps it in when the choice changes)."""
    require_catalog_manager(request.user)
    action = request.GET.get("automation_action", "")[:64]
    item = CatalogItem.objects.filter(slug=request.GET.get("item", "")[:100]).first()
    initial = item.automation_config if item is not None and item.automation_action == action else None
    context = {"config": config_form(action, initial=initial)}
    return render(request, "catalog/manage/item_form.html#automation", context)


# --- Catalog items: the request-form editor ---------------------------------------------------------------


def _current_number(item: CatalogItem) -> int:
    return item.current_form.number if item.current_form else 0


def _builder_context(item: CatalogItem, builder: Builder, **extra: Any) -> dict[str, Any]:
    return {
        "item": item,
        "builder": builder,
        "base_version": extra.pop("base_version", _current_number(item)),
        "versions": selectors.form_versions_for(item),
        "import_form": extra.pop("import_form", FormImportForm()),
        "preview": extra.pop("preview", _preview(builder)),
        **extra,
    }


def _preview(builder: Builder) -> Any:
    """The request form as the requester will see it, from the same engine; None while there are problems."""
    checked = Builder(builder.rows, bound=True)
    definition = checked.check()
    return {"form": build_form_class(definition)(auto_id="preview_%s") if definition else None, "builder": checked}


def _base_version(request: AuthedRequest, item: CatalogItem) -> int:
    value = request.POST.get("base_version", "")
    return int(value) if value.isdigit() and len(value) < 10 else _current_number(item)


def _save_form(request: AuthedRequest, item: CatalogItem, builder: Builder) -> tuple[HttpResponse | None, int]:
    """Publish the checked form: a redirect when saved, else no response and the status the page answers with
    (200 with the problems shown; 409 when someone else published a version since the editor was opened)."""
    definition = builder.check()
    if definition is None:
        return None, 200
    base = _base_version(request, item)
    try:
        version = services.item_publish_form(
            item=item, definition=definition, actor=request.user, expected_version=base
        )
    except ValidationError as exc:
        builder.problems += [Problem(message) for message in exc.messages]
        return None, 200
    except StaleForm as exc:
        builder.problems.append(Problem(exc.message))
        return None, 409
    if version.number == base:
        messages.info(request, f"Nothing changed: the form stays at version {version.number}.")
    else:
        messages.success(request, f"Saved: new requests use version {version.number} of the form.")
    url = reverse("catalog:manage-item-form", args=[item.slug])
    return (HttpResponseClientRedirect(url) if is_fragment(request) else redirect(url)), 302


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def item_form(request: AuthedRequest, slug: str) -> HttpResponse:
    """The editor. POST ``op``: add, remove-<i>, up-<i>, down-<i>, refresh (also a drag), save."""
    item = get_item_for_manager(request.user, slug)
    if request.method == "GET":
        rows = rows_from_definition(item.current_form.definition if item.current_form else {"fields": []})
        return render(request, BUILDER, _builder_context(item, Builder(rows, bound=False)))
    op = request.POST.get("op", "refresh")[:20]
    rows = apply_op(rows_from_post(request.POST), op)
    builder = Builder(rows, bound=op == "save")
    status = 200
    if op == "save":
        response, status = _save_form(request, item, builder)
        if response is not None:
            return response
    context = _builder_context(item, builder, base_version=_base_version(request, item))
    response = render(request, _template(request, BUILDER, "builder"), context, status=status)
    if is_fragment(request):
        response["HX-Trigger"] = "builder-changed"  # the preview asks for itself again
    return response


@login_required
@require_POST
def item_form_preview(request: AuthedRequest, slug: str) -> HttpResponse:
    """The live preview of the editor's current state (not saved)."""
    item = get_item_for_manager(request.user, slug)
    builder = Builder(rows_from_post(request.POST), bound=True)
    return render(request, f"{BUILDER}#preview", {"item": item, "preview": _preview(builder)})


@login_required
@require_GET
def item_form_export(request: AuthedRequest, slug: str) -> HttpResponse:
    """A version of the form (``?version=N``; the current one by default) as a JSON file."""
    item = get_item_for_manager(request.user, slug)
    number = request.GET.get("version", "")
    if number:
        if not number.isdigit() or len(number) > 9:
            raise Http404("No such version.")
        version = get_object_or_404(FormVersion, item=item, number=int(number))
    elif item.current_form is not None:
        version = item.current_form
    else:
        raise Http404("This item has no form yet.")
    response = HttpResponse(definition_dumps(version.definition), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{item.slug}-form-v{version.number}.json"'
    return response


@login_required
@require_POST
def item_form_import(request: AuthedRequest, slug: str) -> HttpResponse:
    """Load a JSON form into the editor (saved only with the editor's Save); each problem says where it is."""
    item = get_item_for_manager(request.user, slug)
    form = FormImportForm(request.POST, request.FILES)
    rows = rows_from_definition(item.current_form.definition if item.current_form else {"fields": []})
    if form.is_valid():
        try:
            definition = definition_loads(form.cleaned_data["text"])
        except DefinitionImportError as exc:
            for problem in exc.problems:
                form.add_error("text", problem)
        else:
            messages.info(request, f"Imported {len(definition['fields'])} fields: check the preview, then save.")
            context = _builder_context(item, Builder(rows_from_definition(definition), bound=False))
            return render(request, BUILDER, context)
    context = _builder_context(item, Builder(rows, bound=False), import_form=form, import_open=True)
    return render(request, BUILDER, context)
