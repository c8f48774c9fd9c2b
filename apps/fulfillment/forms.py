"""HTML forms of fulfillment: thin input checks; the rules live in services and permissions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.html import format_html

from apps.core.uploads import allowed_extensions, upload_limit_text
from apps.fulfillment.choices import Priority, RequestStatus
from apps.fulfillment.services import COMMENT_MAX_CHARS

USERNAME_MAX = 150


class PickerInput(forms.TextInput):
    """A text input whose <datalist> htmx fills as the user types, from an accounts:*-search URL (never a full list)."""

    def __init__(self, url_name: str = "accounts:user-search", attrs: dict[str, Any] | None = None) -> None:
        self.url_name = url_name
        super().__init__(attrs)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        list_id = f"{widget_attrs.get('id', name)}_options"
        widget_attrs.update(
            {
                "list": list_id,
                "autocomplete": "off",
                "hx-get": reverse(self.url_name),
                "hx-trigger": "input changed delay:250ms",
                "hx-target": f"#{list_id}",
                "hx-swap": "innerHTML",
                # static/js/steward.js sends the typed text as ?q= (hx-vals="js:..." needs eval, which the CSP forbids).
                "data-picker": "",
                "hx-push-url": "false",  # a filter form's hx-push-url is inherited otherwise
            }
        )
        return context

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> Any:
        html = super().render(name, value, attrs, renderer)
        return format_html('{}<datalist id="{}_options"></datalist>', html, (attrs or {}).get("id", name))


class UserPickerInput(PickerInput):
    """A username input whose <datalist> htmx fills from accounts:user-search as the user types."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__("accounts:user-search", attrs)


class UsernameField(forms.CharField):
    """A username of an active person; cleans to the User (or None when left empty)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", UserPickerInput(attrs={"class": "form-control"}))
        super().__init__(max_length=USERNAME_MAX, **kwargs)

    def clean(self, value: Any) -> Any:
        username = super().clean(value)
        if not username:
            return None
        user = get_user_model().objects.filter(username=username, is_active=True, is_service_account=False).first()
        if user is None:
            raise forms.ValidationError(f"No active person is named {username!r}.", code="unknown_user")
        return user


def tie_errors(form: forms.BaseForm) -> forms.BaseForm:
    """Point each invalid field's aria-describedby at its error (ids from templates/includes/field.html)."""
    for name in form.errors:
        if name in form.fields:
            bound = form[name]
            ids = [f"{bound.auto_id}_error"] + ([f"{bound.auto_id}_helptext"] if bound.help_text else [])
            form.fields[name].widget.attrs["aria-describedby"] = " ".join(ids)
            form.fields[name].widget.attrs["aria-invalid"] = "true"
    return form


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe); the service checks each one."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"class": "form-control"}))
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class RequestMetaForm(forms.Form):
    """The filing form's own fields, beside the item's answers (used with prefix "sr": no name clash)."""

    description = forms.CharField(
        required=False,
        max_length=COMMENT_MAX_CHARS,
        label="Anything else we should know?",
        help_text=f"Optional, up to {COMMENT_MAX_CHARS:,} characters: it becomes the request's first comment.",
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
    attachments = MultipleFileField(required=False, label="Attachments")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        extensions = allowed_extensions()
        field = self.fields["attachments"]
        field.help_text = (
            f"Optional, up to 5 files of {upload_limit_text()} each: {', '.join(e.lstrip('.') for e in extensions)}."
        )
        field.widget.attrs.update(
            {"accept": ",".join(extensions), "data-max-bytes": str(settings.STEWARD_ATTACHMENT_MAX_BYTES)}
        )

    requested_for = UsernameField(
        required=False, label="Requested for", help_text="Leave empty when you ask for yourself; type to search."
    )
    priority = forms.ChoiceField(
        choices=Priority.choices, initial=Priority.NORMAL, widget=forms.Select(attrs={"class": "form-select"})
    )


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=RequestStatus.choices)
    comment = forms.CharField(
        required=False,
        max_length=COMMENT_MAX_CHARS,
        label="Comment (optional)",
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)


class CommentForm(forms.Form):
    # maxlength (from max_length) makes the browser refuse more before sending; static/js/steward.js counts.
    body = forms.CharField(
        max_length=COMMENT_MAX_CHARS,
        label="Comment",
        help_text=f"Up to {COMMENT_MAX_CHARS:,} characters; attach longer texts or logs as a file.",
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
    is_internal = forms.BooleanField(
        required=False,
        label="Internal note (only the fulfilling team sees it)",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label="Attach a file", widget=forms.ClearableFileInput(attrs={"class": "form-control"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["file"]
        extensions = allowed_extensions()
        field.help_text = f"Up to {upload_limit_text()}: {', '.join(e.lstrip('.') for e in extensions)}."
        # static/js/steward.js refuses a larger file before it is sent (the server checks again).
        field.widget.attrs.update(
            {"accept": ",".join(extensions), "data-max-bytes": str(settings.STEWARD_ATTACHMENT_MAX_BYTES)}
        )


class WatcherForm(forms.Form):
    username = UsernameField(label="Add a watcher", help_text="A colleague's username; they get the updates too.")


class WorkForm(forms.Form):
    """The fulfilling team's fields: priority and assignee."""

    priority = forms.ChoiceField(choices=Priority.choices, widget=forms.Select(attrs={"class": "form-select"}))
    assignee = UsernameField(required=False, label="Assignee")
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)


BULK_ACTIONS = [("assign", "Assign to"), ("assign_me", "Assign to me"), ("status", "Change status to")]


class _TickedField(forms.MultipleChoiceField):
    """Ticked rows; their meaning is checked by BulkActionForm.clean_selected and the services."""

    def valid_value(self, value: str) -> bool:
        return True


class BulkActionForm(forms.Form):
    """The queue's bulk form: the ticked rows (``<pk>.<version>``) and what to do with them."""

    action = forms.ChoiceField(choices=BULK_ACTIONS)
    selected = _TickedField(label="Requests")
    assignee = UsernameField(required=False, label="Assignee")
    to = forms.ChoiceField(choices=[("", "—"), *RequestStatus.choices], required=False, label="New status")
    comment = forms.CharField(required=False, max_length=COMMENT_MAX_CHARS, label="Comment (optional)")
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["selected"].error_messages["required"] = "Tick at least one request."

    def clean_selected(self) -> dict[int, int]:
        """{pk: version read when the page was rendered}."""
        picked: dict[int, int] = {}
        for value in self.cleaned_data.get("selected") or []:
            pk, _, version = str(value).partition(".")
            if not (pk.isdigit() and version.isdigit()) or len(pk) > 18 or len(version) > 9:
                raise forms.ValidationError("A ticked row is not a request of this page.", code="invalid")
            picked[int(pk)] = int(version)
        if not picked:
            raise forms.ValidationError("Tick at least one request.", code="required")
        return picked

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "assign" and not data.get("assignee"):
            self.add_error("assignee", "Pick the person to assign to.")
        if data.get("action") == "status" and not data.get("to"):
            self.add_error("to", "Pick the new status.")
        return data


class SavedFilterForm(forms.Form):
    name = forms.CharField(
        max_length=80, label="Save this filter as", widget=forms.TextInput(attrs={"class": "form-control"})
    )
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
