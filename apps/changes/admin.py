"""Admin of change enablement: environments, the board, policies (rules checked on save), templates, windows."""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from apps.changes.models import (
    AdvisoryBoard,
    Change,
    Environment,
    PolicyRule,
    ReviewTask,
    RiskPolicy,
    StandardChangeTemplate,
    Window,
)
from apps.changes.policy import rule_check
from apps.changes.windows import rrule_check


class PolicyRuleForm(forms.ModelForm):
    class Meta:
        model = PolicyRule
        fields = ["kind", "name", "description", "expression", "weight", "position"]

    def clean_expression(self) -> str:
        return rule_check(self.cleaned_data["expression"])


def _sealed(policy: Any) -> bool:
    """Activated versions are read-only here: the database would refuse the write (policy_triggers)."""
    return policy is not None and (policy.activated_at is not None or policy.is_active)


class PolicyRuleInline(admin.TabularInline):
    model = PolicyRule
    form = PolicyRuleForm
    extra = 0

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return not _sealed(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return not _sealed(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return not _sealed(obj) and super().has_delete_permission(request, obj)


@admin.register(RiskPolicy)
class RiskPolicyAdmin(admin.ModelAdmin):
    """Drafts only (e.g. the very first version); activation happens in the policy editor (/changes/policies/),
    where test cases and four eyes apply, so the fields that activate are not offered here."""

    list_display = ["name", "version", "is_active", "activated_at", "activated_by", "medium_from", "high_from"]
    fields = ["name", "version", "description", "medium_from", "high_from"]
    inlines = [PolicyRuleInline]

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return not _sealed(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return not _sealed(obj) and super().has_delete_permission(request, obj)


class WindowForm(forms.ModelForm):
    class Meta:
        model = Window
        fields = [
            "kind", "title", "reason", "all_services", "services", "environments", "timezone", "starts_at", "ends_at",
            "rrule", "is_active",
        ]  # fmt: skip

    def clean_rrule(self) -> str:
        try:
            return rrule_check(self.cleaned_data["rrule"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["rrule"]) from exc


@admin.register(Window)
class WindowAdmin(admin.ModelAdmin):
    form = WindowForm
    list_display = ["title", "kind", "starts_at", "ends_at", "timezone", "rrule", "is_active"]
    list_filter = ["kind", "is_active"]
    filter_horizontal = ["services", "environments"]
    readonly_fields = ["created_by", "created_at", "updated_at"]

    def save_model(self, request: Any, obj: Window, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Environment)
class EnvironmentAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_production", "position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(StandardChangeTemplate)
class StandardChangeTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_active"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["services"]


admin.site.register(AdvisoryBoard)


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin):
    """Read-only: every write goes through apps.changes.services (audit, scoring, routing)."""

    list_display = ["__str__", "type", "status", "tier", "risk_score", "environment", "deployed_without_go"]
    list_filter = ["status", "type", "tier", "environment", "deployed_without_go"]
    search_fields = ["title", "ci_repository", "ci_run_id"]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(ReviewTask)
class ReviewTaskAdmin(admin.ModelAdmin):
    list_display = ["change", "team", "due_at", "done_at"]
