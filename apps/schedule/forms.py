"""Forms of the change calendar: thin input checks; the rules live in services and apps.changes."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.utils import timezone

from apps.accounts.models import validate_timezone
from apps.catalog.models import Service
from apps.changes.choices import WindowKind
from apps.changes.models import Environment, Window
from apps.schedule.rrules import WEEKDAY_NAMES, WEEKDAYS, Recurrence, build_rrule, read_rrule
from apps.schedule.selectors import MAX_RANGE

LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M")


def _style(form: forms.BaseForm) -> None:
    for bound in form.fields.values():
        widget = bound.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
            continue
        else:
            widget.attrs.setdefault("class", "form-select" if isinstance(widget, forms.Select) else "form-control")


def _unstorable(value: str) -> bool:
    """NUL or a lone surrogate: text the database cannot store."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return "\x00" in value


def _no_nul(cleaned: dict[str, Any], form: forms.BaseForm) -> None:
    for name, value in cleaned.items():
        if isinstance(value, str) and _unstorable(value):
            form.add_error(name, "Text must be valid Unicode without null characters.")


class RangeForm(forms.Form):
    """The range FullCalendar asks for (ISO 8601 instants), at most MAX_RANGE long."""

    start = forms.DateTimeField()
    end = forms.DateTimeField()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end <= start:
                self.add_error("end", "The end must come after the start.")
            elif end - start > MAX_RANGE:
                self.add_error("end", f"Ask for at most {MAX_RANGE.days} days at a time.")
        return cleaned


class MoveForm(forms.Form):
    """A drag or resize: the new start and end as instants (ISO 8601 with offset), and the version dragged."""

    start = forms.DateTimeField()
    end = forms.DateTimeField()
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, required=False)


class RescheduleForm(forms.Form):
    """The keyboard way to move a change: local times in the viewer's zone."""

    planned_start = forms.DateTimeField(widget=LOCAL, label="New start", help_text="In your time zone.")
    planned_end = forms.DateTimeField(widget=LOCAL, label="New end")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)


class ForwardForm(forms.Form):
    days = forms.TypedChoiceField(choices=[(7, "7 days"), (14, "14 days"), (30, "30 days")], coerce=int, initial=7)
    format = forms.ChoiceField(choices=[("html", "Page"), ("csv", "CSV")], required=False)


def _in_zone(moment: dt.datetime, zone: str) -> dt.datetime:
    """The wall-clock time typed, read in the window's zone rather than the author's."""
    return timezone.make_naive(moment).replace(tzinfo=zoneinfo.ZoneInfo(zone))


class WindowBuilderForm(forms.Form):
    """A freeze or maintenance window with the recurrence builder; times are read in the window's own zone."""

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
    timezone = forms.CharField(
        max_length=64, validators=[validate_timezone], label="Time zone", help_text="e.g. Europe/Amsterdam"
    )
    starts_at = forms.DateTimeField(widget=LOCAL, label="Starts", help_text="In the window's time zone.")
    ends_at = forms.DateTimeField(widget=LOCAL, label="Ends", help_text="Of the first occurrence.")
    repeat = forms.ChoiceField(
        choices=[
            ("none", "Once"), ("daily", "Daily"), ("weekly", "Weekly"), ("monthly", "Monthly"),
            ("custom", "Custom RRULE"),
        ],
        initial="none",
    )  # fmt: skip
    interval = forms.IntegerField(
        min_value=1, max_value=365, initial=1, label="Every", help_text="days, weeks or months"
    )
    weekdays = forms.MultipleChoiceField(
        choices=list(zip(WEEKDAYS, WEEKDAY_NAMES, strict=True)),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="On",
    )
    monthly_by = forms.ChoiceField(
        choices=[
            ("date", "On the start's date (e.g. the 15th)"),
            ("weekday", "On the start's weekday (e.g. 2nd Wednesday)"),
        ],
        initial="date",
        required=False,
        widget=forms.RadioSelect,
        label="Monthly",
    )
    ends = forms.ChoiceField(
        choices=[("never", "Never"), ("until", "On a date"), ("count", "After a number of times")],
        initial="never",
        required=False,
    )
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Until")
    count = forms.IntegerField(required=False, min_value=1, max_value=1000, label="Times")
    custom = forms.CharField(required=False, max_length=500, label="RRULE", help_text="e.g. FREQ=YEARLY;BYMONTH=12")
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    def __init__(self, *args: Any, window: Window | None = None, **kwargs: Any) -> None:
        if window is not None:
            kwargs["initial"] = {**self.initial_for(window), **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        if window is None:
            del self.fields["is_active"]
        _style(self)

    @staticmethod
    def initial_for(window: Window) -> dict[str, Any]:
        zone = zoneinfo.ZoneInfo(window.timezone)
        recurrence = read_rrule(window.rrule)
        return {
            **{name: getattr(window, name) for name in ("kind", "title", "reason", "all_services", "is_active")},
            "services": list(window.services.all()),
            "environments": list(window.environments.all()),
            "timezone": window.timezone,
            "starts_at": window.starts_at.astimezone(zone).replace(tzinfo=None),
            "ends_at": window.ends_at.astimezone(zone).replace(tzinfo=None),
            **{name: getattr(recurrence, name) for name in ("repeat", "interval", "weekdays", "monthly_by", "ends")},
            "until": recurrence.until,
            "count": recurrence.count,
            "custom": recurrence.custom,
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _no_nul(cleaned, self)
        zone = cleaned.get("timezone")
        if zone and not self.has_error("timezone"):
            for name in ("starts_at", "ends_at"):
                if cleaned.get(name) is not None:
                    cleaned[name] = _in_zone(cleaned[name], zone)
        if cleaned.get("ends") == "until" and not cleaned.get("until"):
            self.add_error("until", "Give the last day.")
        if cleaned.get("ends") == "count" and not cleaned.get("count"):
            self.add_error("count", "Give the number of times.")
        if cleaned.get("repeat") == "custom" and not (cleaned.get("custom") or "").strip():
            self.add_error("custom", "Write the RRULE, or choose another repeat.")
        return cleaned

    def rrule(self) -> str:
        """The RRULE the builder's choices say (after is_valid())."""
        data = self.cleaned_data
        if data.get("starts_at") is None:
            return ""
        recurrence = Recurrence(
            repeat=data["repeat"],
            interval=data.get("interval") or 1,
            weekdays=list(data.get("weekdays") or []),
            monthly_by=data.get("monthly_by") or "date",
            ends=data.get("ends") or "never",
            until=data.get("until"),
            count=data.get("count"),
            custom=data.get("custom") or "",
        )
        zone = zoneinfo.ZoneInfo(data["timezone"])
        return build_rrule(recurrence, data["starts_at"].astimezone(zone))

    def window_values(self) -> dict[str, Any]:
        """What schedule.services.window_save takes."""
        data = self.cleaned_data
        values = {
            name: data[name] for name in ("kind", "title", "reason", "all_services", "timezone", "starts_at", "ends_at")
        }
        values |= {
            "services": list(data["services"]),
            "environments": list(data["environments"]),
            "rrule": self.rrule(),
        }
        if "is_active" in self.fields:
            values["is_active"] = data.get("is_active", False)
        return values
