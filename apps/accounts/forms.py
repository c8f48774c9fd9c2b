"""HTML forms of the accounts pages, styled for Bootstrap and templates/includes/field.html."""

import datetime as dt
import zoneinfo
from functools import cache
from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import forms as auth_forms
from django.http import HttpRequest
from django.utils import timezone

from apps.accounts.choices import TokenAccess, TokenScope
from apps.accounts.throttling import LoginThrottled, client_ip, login_throttle_check


@cache
def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class BootstrapMixin:
    """Gives widgets Bootstrap classes, and invalid fields ``is-invalid`` and a link to their error."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]  # provided by the Form this mixes into
        form: Any = self
        for name in form.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                bound = form[name]
                attrs["aria-describedby"] = f"{bound.auto_id}_error"


class ThrottleMessageMixin:
    """Checks login throttling before the password, so a refusal says why and for how long (not a 500,
    not "wrong password"). Mixed into AuthenticationForm subclasses, which provide ``request``."""

    cleaned_data: dict[str, Any]
    request: HttpRequest | None

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if username and self.cleaned_data.get("password"):
            try:
                login_throttle_check(username=username, ip_address=client_ip(self.request))
            except LoginThrottled as exc:
                raise forms.ValidationError(exc.message, code="throttled") from exc
        return super().clean()  # type: ignore[misc]  # AuthenticationForm.clean


class LoginForm(BootstrapMixin, ThrottleMessageMixin, auth_forms.AuthenticationForm):
    """The portal's login form."""


class AdminLoginForm(ThrottleMessageMixin, AdminAuthenticationForm):
    """The Django admin's login form, with the same throttle message (set on admin.site in admin.py)."""


class PasswordChangeForm(BootstrapMixin, auth_forms.PasswordChangeForm):
    pass


class PasswordResetForm(BootstrapMixin, auth_forms.PasswordResetForm):
    pass


class SetPasswordForm(BootstrapMixin, auth_forms.SetPasswordForm):
    pass


class ProfileForm(BootstrapMixin, forms.Form):
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    # The column's length (AbstractUser.email): longer addresses are refused here with the reason, not at save.
    email = forms.EmailField(
        required=False,
        max_length=254,
        error_messages={
            "max_length": "An email address has at most %(limit_value)d characters (this one has %(show_value)d).",
        },
    )
    timezone = forms.ChoiceField(
        label="Time zone", choices=timezone_choices, help_text="Dates and times are shown in this time zone."
    )


class TokenCreateForm(BootstrapMixin, forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. “deploy pipeline”.")
    scopes = forms.MultipleChoiceField(
        choices=TokenScope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="What the token may reach.",
        error_messages={"invalid_choice": "Unknown scope %(value)s.", "required": "Choose at least one scope."},
    )
    access = forms.ChoiceField(
        choices=TokenAccess.choices, initial=TokenAccess.READ, widget=forms.RadioSelect, help_text=""
    )
    expires_on = forms.DateField(
        required=False,
        label="Expires on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional. The token stops working at the end of this day, in your time zone.",
    )

    def clean_expires_on(self) -> dt.date | None:
        expires_on: dt.date | None = self.cleaned_data.get("expires_on")
        if expires_on is not None and expires_on < timezone.localdate():
            raise forms.ValidationError("Choose today or a later day.")
        return expires_on

    def expires_at(self) -> dt.datetime | None:
        """The end of the chosen day in the current time zone, as an aware datetime."""
        expires_on: dt.date | None = self.cleaned_data.get("expires_on")
        if expires_on is None:
            return None
        midnight = dt.datetime.combine(expires_on + dt.timedelta(days=1), dt.time.min)
        return timezone.make_aware(midnight, timezone.get_current_timezone())
