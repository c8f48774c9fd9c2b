"""HTML forms of changes: thin input checks; the rules live in services and permissions."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from apps.catalog.models import Service
from apps.changes.choices import ChangeType
from apps.changes.models import Environment, StandardChangeTemplate
from apps.changes.services import ChangeData

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

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        services = cast(forms.ModelMultipleChoiceField, self.fields["services"])  # declared above
        services.queryset = Service.objects.visible_to(user).order_by("name")
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-check-input")
            else:
                css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                field.widget.attrs.setdefault("class", css)

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


class DecideForm(CleanTextForm):
    decision = forms.ChoiceField(choices=[("approved", "Approve"), ("rejected", "Reject")])
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        required=False,
        max_length=5000,
        help_text="Required to reject.",
    )
