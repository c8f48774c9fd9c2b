from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.accounts import services
from apps.accounts.choices import TokenAccess, TokenScope
from apps.accounts.forms import AdminLoginForm
from apps.accounts.models import ApiToken, LoginThrottle, Membership, Team, TeamHoliday, User

# The admin's login goes through the same throttled backend; this makes it say so when it refuses.
admin.site.login_form = AdminLoginForm


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user", "team"]
    readonly_fields = ["joined_at"]


class TeamHolidayInline(admin.TabularInline):
    """Days off of a team: SLA clocks (apps.fulfillment.selectors.sla.calendar_for_team) skip them."""

    model = TeamHoliday
    extra = 0
    fields = ["date", "name"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "primary_team", "is_service_account", "is_staff"]
    list_filter = [*DjangoUserAdmin.list_filter, "is_service_account", "groups"]
    list_select_related = ["primary_team"]
    autocomplete_fields = ["primary_team", "owner_team"]
    inlines = [MembershipInline]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Steward", {"fields": ("timezone", "primary_team", "is_service_account", "owner_team")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("Steward", {"fields": ("email", "primary_team", "is_service_account", "owner_team")}),
    )


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "manager", "joinable", "timezone", "workday_start", "workday_end"]
    list_filter = ["joinable"]
    list_select_related = ["manager"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["manager"]
    inlines = [MembershipInline, TeamHolidayInline]
    fieldsets = (
        (None, {"fields": ("name", "slug", "description", "manager", "joinable")}),
        ("Business hours", {"fields": ("timezone", "workday_start", "workday_end", "working_days")}),
    )


class ApiTokenAddForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(choices=TokenScope.choices, widget=forms.CheckboxSelectMultiple)
    access = forms.ChoiceField(choices=TokenAccess.choices, initial=TokenAccess.READ)

    class Meta:
        model = ApiToken
        fields = ["user", "name", "scopes", "access", "expires_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are listed and revoked here, never shown: only the digest is stored. Adding one (e.g. for a
    service account) goes through services.token_create and shows the key once, in a message."""

    list_display = ["name", "user", "prefix", "access", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = ["access", "revoked_at"]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__username"]
    autocomplete_fields = ["user"]
    readonly_fields = [
        "user", "name", "prefix", "digest", "scopes", "access", "created_at", "expires_at", "last_used_at", "revoked_at"
    ]  # fmt: skip
    actions = ["revoke_selected"]

    def get_form(self, request: HttpRequest, obj: ApiToken | None = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = ApiTokenAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> Any:
        return self.readonly_fields if obj is not None else []

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if change:
            return  # every field is read-only once created
        data = form.cleaned_data
        token, key = services.token_create(
            user=data["user"],
            name=data["name"],
            scopes=data["scopes"],
            access=data["access"],
            expires_at=data["expires_at"],
            actor=request.user,  # type: ignore[arg-type]  # the admin requires a logged-in User
        )
        obj.pk = token.pk
        obj.refresh_from_db()
        messages.warning(request, f"Key of “{token.name}”, shown only now: {key}")

    @admin.action(description="Revoke selected tokens")
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset.filter(revoked_at__isnull=True):
            services.token_revoke(token=token, actor=request.user)  # type: ignore[arg-type]  # as above
        messages.success(request, "The selected tokens are revoked.")


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    """Failed-login counters that throttling reads; deleting a row lifts its lock at once."""

    list_display = ["key", "failures", "window_started_at", "last_failure_at"]
    search_fields = ["key"]
    readonly_fields = ["key", "failures", "window_started_at", "last_failure_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: LoginThrottle | None = None) -> bool:
        return False
