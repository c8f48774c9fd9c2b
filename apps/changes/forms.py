"""HTML forms of changes: thin input checks; the rules live in services and permissions."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any, cast

from django import forms
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import User, validate_timezone
from apps.catalog.models import Service
from apps.changes.choices import ChangeType, WindowKind
from apps.changes.models import Change, Environment, StandardChangeTemplate, Window
from apps.changes.services import ChangeData

# What the edit form shows as stored (the rest are set apart in ChangeEditForm.__init__).
EDIT_FIELDS = (
    "title", "description", "environment", "implementation_plan", "rollback_plan", "tests_passed", "tests_failed",
    "commit_sha", "visible_to_end_users", "public_title",
)  # fmt: skip
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M")


class CleanTextForm(forms.Form):
    """Text with NUL characters or lone surrogates is refused per field (the database cannot store it)."""

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        for name, value in list(cleaned.items()):
            if isinstance(value, str) and ("\x00" in value or _bad_unicode(value)):
                self.add_error(name, "Text must be valid Unicode without null characters.")
        return cleaned


def _bad_unicode(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _style(field: forms.Field) -> None:
    """Bootstrap's class for the field's widget."""
    if isinstance(field.widget, forms.CheckboxInput):
        field.widget.attrs.setdefault("class", "form-check-input")
    else:
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)


class ChangeForm(CleanTextForm):
    """Open a change: a normal or emergency change, or a standard one from a template."""

    template = forms.ModelChoiceField(
        queryset=StandardChangeTemplate.objects.filter(is_active=True),
        to_field_name="slug",
        required=False,
        empty_label="No template (normal or emergency change)",
        help_text="A standard change is pre-approved: low risk unless a freeze blocks it.",
    )
    type = forms.ChoiceField(
        choices=[(ChangeType.NORMAL, "Normal"), (ChangeType.EMERGENCY, "Emergency")], initial=ChangeType.NORMAL
    )
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=20_000)
    services = forms.ModelMultipleChoiceField(queryset=Service.objects.none(), to_field_name="slug")
    environment = forms.ModelChoiceField(
        queryset=Environment.objects.order_by("position", "name"), to_field_name="slug"
    )
    planned_start = forms.DateTimeField(widget=DATETIME, help_text="In your time zone.")
    planned_end = forms.DateTimeField(widget=DATETIME)
    implementation_plan = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=20_000)
    rollback_plan = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=20_000)
    test_links = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, help_text="Links to test runs, one per line."
    )
    tests_passed = forms.IntegerField(min_value=0, max_value=10**9, required=False)
    tests_failed = forms.IntegerField(min_value=0, max_value=10**9, required=False)
    commit_sha = forms.CharField(max_length=64, required=False, label="Commit SHA")
    visible_to_end_users = forms.BooleanField(required=False, label="Visible to end users (maintenance notice)")
    public_title = forms.CharField(max_length=200, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        services = cast(forms.ModelMultipleChoiceField, self.fields["services"])  # declared above
        services.queryset = Service.objects.visible_to(user).order_by("name")
        for field in self.fields.values():
            _style(field)

    def clean_test_links(self) -> list[str]:
        links = [line.strip() for line in self.cleaned_data["test_links"].splitlines() if line.strip()]
        validator = forms.URLField(assume_scheme="https")
        for link in links:
            validator.clean(link)
        return links

    def change_data(self) -> ChangeData:
        data = dict(self.cleaned_data)
        data["services"] = list(data["services"])
        data["type"] = ChangeType.STANDARD if data["template"] else data["type"]
        return ChangeData(**data)


def _minute(moment: dt.datetime) -> dt.datetime:
    """``moment`` as the datetime-local widget shows it: local time to the minute, so that an untouched field
    compares equal to what the browser sends back (and is not taken for an edit that resets approvals)."""
    return timezone.localtime(moment).replace(second=0, microsecond=0)


class ChangeEditForm(ChangeForm):
    """Edit an open change: the fields of ChangeForm except type and template, and the version it was read at."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)

    def __init__(self, *args: Any, user: User, change: Change, **kwargs: Any) -> None:
        kwargs["initial"] = {
            **{name: getattr(change, name) for name in EDIT_FIELDS},
            "services": list(change.services.all()),
            "planned_start": _minute(change.planned_start),
            "planned_end": _minute(change.planned_end),
            "test_links": "\n".join(change.test_links),
            "version": change.version,
        }
        super().__init__(*args, user=user, **kwargs)
        del self.fields["template"], self.fields["type"]
        services = cast(forms.ModelMultipleChoiceField, self.fields["services"])  # declared in ChangeForm
        # Services already on the change stay choosable even if the editor could not open a change on them.
        mine = Q(pk__in=Service.objects.visible_to(user).values("pk")) | Q(changes=change)
        services.queryset = Service.objects.filter(mine).distinct().order_by("name")

    def edits(self) -> dict[str, Any]:
        """The fields the person changed, as change_update takes them (it ignores values equal to the stored)."""
        edits = {name: self.cleaned_data[name] for name in self.changed_data if name != "version"}
        if "services" in edits:
            edits["services"] = list(edits["services"])
        return edits


class DecideForm(CleanTextForm):
    decision = forms.ChoiceField(choices=[("approved", "Approve"), ("rejected", "Reject")])
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        required=False,
        max_length=5000,
        help_text="Required to reject.",
    )


def _in_zone(moment: dt.datetime, zone: str) -> dt.datetime:
    """The wall-clock time the person typed, read in the window's time zone rather than their own."""
    return timezone.make_naive(moment).replace(tzinfo=zoneinfo.ZoneInfo(zone))


class WindowForm(CleanTextForm):
    """A freeze or maintenance window; start and end are read in the window's own time zone."""

    kind = forms.ChoiceField(choices=WindowKind.choices)
    title = forms.CharField(max_length=120)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000)
    all_services = forms.BooleanField(required=False, label="All services")
    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.order_by("name"), to_field_name="slug", required=False
    )
    environments = forms.ModelMultipleChoiceField(
        queryset=Environment.objects.order_by("position", "name"),
        to_field_name="slug",
        required=False,
        help_text="None chosen: every environment.",
    )
    timezone = forms.CharField(max_length=64, validators=[validate_timezone], help_text="e.g. Europe/Amsterdam")
    starts_at = forms.DateTimeField(widget=DATETIME, label="Starts", help_text="In the window's time zone.")
    ends_at = forms.DateTimeField(widget=DATETIME, label="Ends")
    rrule = forms.CharField(
        max_length=500, required=False, label="Recurrence (RRULE)", help_text="e.g. FREQ=WEEKLY;BYDAY=FR; empty: once."
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    def __init__(self, *args: Any, window: Window | None = None, **kwargs: Any) -> None:
        if window is not None:
            zone = zoneinfo.ZoneInfo(window.timezone)
            kwargs["initial"] = {
                **{name: getattr(window, name) for name in ("kind", "title", "reason", "all_services", "rrule")},
                "services": list(window.services.all()),
                "environments": list(window.environments.all()),
                "timezone": window.timezone,
                "is_active": window.is_active,
                # Naive: the widget shows them as they are, in the window's zone (not converted to the reader's).
                "starts_at": window.starts_at.astimezone(zone).replace(tzinfo=None),
                "ends_at": window.ends_at.astimezone(zone).replace(tzinfo=None),
            }
        super().__init__(*args, **kwargs)
        if window is None:
            del self.fields["is_active"]  # a new window is active; retiring one is an edit
        for field in self.fields.values():
            _style(field)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        zone = cleaned.get("timezone")
        if zone and not self.has_error("timezone"):
            for name in ("starts_at", "ends_at"):
                if cleaned.get(name) is not None:
                    cleaned[name] = _in_zone(cleaned[name], zone)
        return cleaned

    def window_values(self, window: Window | None = None) -> dict[str, Any]:
        """What window_create or window_update takes. An untouched start or end of ``window`` is left out: the
        widget shows minutes, and sending them back would drop the stored seconds."""
        values = dict(self.cleaned_data)
        values["services"], values["environments"] = list(values["services"]), list(values["environments"])
        for name in ("starts_at", "ends_at") if window is not None else ():
            if values[name] == getattr(window, name).replace(second=0, microsecond=0):
                del values[name]
        return values
