"""Administrators manage services, categories and catalog items here; form versions are read-only history."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from apps.accounts.http import signed_in_user
from apps.catalog.models import CatalogItem, Category, FormVersion, Service
from apps.catalog.services import item_publish_form


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "owner_team", "criticality", "status", "slo_target"]
    list_filter = ["criticality", "status", "owner_team"]
    list_select_related = ["owner_team"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "description"]
    autocomplete_fields = ["owner_team"]


def _pretty(definition: Any) -> SafeString:
    return format_html("<pre>{}</pre>", json.dumps(definition, indent=2, ensure_ascii=False))


class FormVersionInline(admin.TabularInline):
    model = FormVersion
    extra = 0
    fields = ["number", "created_at", "created_by", "field_count"]
    readonly_fields = ["number", "created_at", "created_by", "field_count"]
    ordering = ["-number"]
    can_delete = False
    show_change_link = True

    @admin.display(description="fields")
    def field_count(self, version: FormVersion) -> int:
        return len(version.definition.get("fields", []))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CatalogItem)
class CatalogItemAdmin(admin.ModelAdmin):
    list_display = ["name", "service", "category", "status", "approval_rule", "fulfilment_mode", "form_version"]
    list_filter = ["status", "category", "approval_rule", "fulfilment_mode", "audience"]
    list_select_related = ["service", "category", "current_form"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "summary", "service__name"]
    autocomplete_fields = ["service", "fulfilling_team", "approval_team"]
    filter_horizontal = ["audience_teams"]
    readonly_fields = ["form_version"]
    inlines = [FormVersionInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "service", "category", "status", "summary", "description"]}),
        (
            "Fulfilment",
            {
                "fields": [
                    "fulfilling_team",
                    "fulfilment_mode",
                    "automation_action",
                    "automation_config",
                    "delivery_target_hours",
                ],
                "description": "Automated items name an action; the form must have the fields it needs. "
                'Actions: join-team (a required team field), http ({"endpoint": slug}), '
                'email ({"subject", "body", "to": [...], "to_user": true}).',
            },
        ),
        ("Approval and audience", {"fields": ["approval_rule", "approval_team", "audience", "audience_teams"]}),
        (
            "Request form",
            {
                "fields": ["form_version", "form_definition"],
                "description": 'The form as JSON: {"fields": [...]} (see apps/catalog/formdefs). Saving a '
                "changed form creates a new version; requests keep the version they were filed with.",
            },
        ),
    ]

    @admin.display(description="form version")
    def form_version(self, item: CatalogItem) -> str:
        return f"v{item.current_form.number}" if item.current_form else "—"

    def save_model(self, request: HttpRequest, obj: CatalogItem, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # Model.clean already refused a definition that cannot render; this records the version.
        item_publish_form(item=obj, definition=obj.form_definition, actor=signed_in_user(request))


@admin.register(FormVersion)
class FormVersionAdmin(admin.ModelAdmin):
    list_display = ["item", "number", "created_at", "created_by"]
    list_select_related = ["item", "created_by"]
    search_fields = ["item__name"]
    fields = ["item", "number", "created_at", "created_by", "pretty_definition"]
    readonly_fields = ["item", "number", "created_at", "created_by", "pretty_definition"]

    @admin.display(description="definition")
    def pretty_definition(self, version: FormVersion) -> SafeString:
        return _pretty(version.definition)

    def get_queryset(self, request: HttpRequest) -> QuerySet[FormVersion]:
        return super().get_queryset(request).select_related("item", "created_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
