"""Administrators configure HTTP endpoints here and can inspect automation runs (read-only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from apps.automation.models import AutomationRun, HttpEndpoint


class HttpEndpointForm(forms.ModelForm):
    url = forms.URLField(
        max_length=500, assume_scheme="https", help_text="http(s) URL; private and loopback addresses are refused."
    )

    class Meta:
        model = HttpEndpoint
        fields = ["name", "slug", "url", "secret", "timeout_seconds"]
        widgets = {"secret": forms.PasswordInput(render_value=True)}


@admin.register(HttpEndpoint)
class HttpEndpointAdmin(admin.ModelAdmin):
    form = HttpEndpointForm
    list_display = ["name", "slug", "url", "timeout_seconds"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug", "url"]


@admin.register(AutomationRun)
class AutomationRunAdmin(admin.ModelAdmin):
    list_display = ["id", "action", "subject_type", "subject_id", "sequence", "status", "attempts", "created_at"]
    list_filter = ["status", "action", "subject_type"]
    search_fields = ["subject_id", "error"]
    readonly_fields = [f.name for f in AutomationRun._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
