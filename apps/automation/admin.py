"""Administrators configure HTTP endpoints here and can inspect automation runs (read-only, redacted)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from apps.automation.models import AutomationAttempt, AutomationRun, HttpEndpoint
from apps.automation.selectors import run_details


class HttpEndpointForm(forms.ModelForm):
    url = forms.URLField(
        max_length=500, assume_scheme="https", help_text="http(s) URL; private and loopback addresses are refused."
    )
    # Write-only: the stored secret is never sent back to the browser (encrypted at rest, apps.core.crypto).
    new_secret = forms.CharField(
        label="Secret",
        max_length=200,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Signs each body: X-Steward-Signature: sha256=<HMAC hex>.",
    )

    class Meta:
        model = HttpEndpoint
        fields = ["name", "slug", "url", "timeout_seconds"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.secret:
            self.fields["new_secret"].help_text = "A secret is set and stays hidden. Type a new one to replace it."

    def clean_new_secret(self) -> str:
        secret: str = self.cleaned_data["new_secret"]
        if not secret and not (self.instance.pk and self.instance.secret):
            raise forms.ValidationError("Give the endpoint a secret: it signs every call.")
        return secret

    def save(self, commit: bool = True) -> HttpEndpoint:
        if self.cleaned_data.get("new_secret"):
            self.instance.secret = self.cleaned_data["new_secret"]
        return super().save(commit=commit)


@admin.register(HttpEndpoint)
class HttpEndpointAdmin(admin.ModelAdmin):
    form = HttpEndpointForm
    fields = ["name", "slug", "url", "new_secret", "timeout_seconds"]
    list_display = ["name", "slug", "url", "timeout_seconds"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug", "url"]


class AutomationAttemptInline(admin.TabularInline):
    model = AutomationAttempt
    readonly_fields = ("number", "started_at", "called_out_at", "finished_at", "outcome", "redacted_error")
    fields = readonly_fields
    extra = 0
    can_delete = False

    @admin.display(description="Error")
    def redacted_error(self, attempt: AutomationAttempt) -> str:
        return run_details(AutomationRun(error=attempt.error)).error

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AutomationRun)
class AutomationRunAdmin(admin.ModelAdmin):
    list_display = ["id", "action", "subject_type", "subject_id", "sequence", "status", "attempts", "created_at"]
    list_filter = ["status", "action", "subject_type"]
    search_fields = ["subject_id"]
    # Admins read the details redacted, like the fulfilling team's agents (apps.automation.selectors.run_details).
    # Every field shown read-only, output and error only through redaction.
    readonly_fields = (
        *(f.name for f in AutomationRun._meta.fields if f.name not in ("id", "output", "error")),
        "redacted_output",
        "redacted_error",
    )
    fields = readonly_fields
    inlines = [AutomationAttemptInline]

    @admin.display(description="Output")
    def redacted_output(self, run: AutomationRun) -> dict[str, Any]:
        return run_details(run).output

    @admin.display(description="Error")
    def redacted_error(self, run: AutomationRun) -> str:
        return run_details(run).error

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
