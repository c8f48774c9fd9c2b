"""HTML forms of the catalog builder: input checks only; the rules live in services and the form engine."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from apps.accounts.models import Team
from apps.automation.registry import Action, ConfigKey, action_list, get_action
from apps.catalog.choices import ApprovalRule, Audience, Criticality, FulfilmentMode, ItemStatus, ServiceStatus
from apps.catalog.formdefs.jsonio import MAX_IMPORT_CHARS
from apps.catalog.models import CatalogItem, Category, Service
from apps.catalog.services import ItemData, ServiceData
from apps.core.surrogates import SurrogateSafeFormMixin

CONFIG_PREFIX = "config"
MAX_TAGS = 20


def style(form: forms.BaseForm) -> None:
    """Bootstrap classes on every widget, as includes/field.html expects them."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


def attach_errors(
    form: forms.BaseForm, exc: ValidationError, *, elsewhere: dict[str, forms.BaseForm] | None = None
) -> None:
    """A service's ValidationError next to the inputs it names; keys in ``elsewhere`` go to that form instead."""
    by_key = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    for key, messages in by_key.items():
        target = (elsewhere or {}).get(key)
        if target is not None:
            target.add_error(None, messages)
        else:
            form.add_error(key if key in form.fields else None, messages)


class ServiceForm(SurrogateSafeFormMixin, forms.Form):
    name = forms.CharField(max_length=100)
    slug = forms.SlugField(
        max_length=100, required=False, help_text="Part of the service's address; made from the name if left empty."
    )
    owner_team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"), to_field_name="slug")
    description = forms.CharField(required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 4}))
    criticality = forms.ChoiceField(choices=Criticality.choices, initial=Criticality.MEDIUM)
    status = forms.ChoiceField(choices=ServiceStatus.choices, initial=ServiceStatus.OPERATIONAL)
    tags = forms.CharField(required=False, max_length=1000, help_text="Separated by commas.")
    slo_target = forms.DecimalField(
        label="SLO target (%)", max_digits=6, decimal_places=3, min_value=Decimal("0.001"), max_value=Decimal(100)
    )

    def __init__(self, *args: Any, service: Service | None = None, **kwargs: Any) -> None:
        if service is not None:
            kwargs.setdefault("initial", self.initial_for(service))
        super().__init__(*args, **kwargs)
        if service is not None:
            del self.fields["slug"]  # addresses stay stable: links and API clients use them
        else:
            self.fields["slo_target"].initial = Decimal("99.9")
        style(self)

    @staticmethod
    def initial_for(service: Service) -> dict[str, Any]:
        return {
            "name": service.name,
            "owner_team": service.owner_team.slug,
            "description": service.description,
            "criticality": service.criticality,
            "status": service.status,
            "tags": ", ".join(service.tags),
            "slo_target": service.slo_target,
        }

    def clean_tags(self) -> list[str]:
        tags = [tag.strip() for tag in self.cleaned_data["tags"].split(",") if tag.strip()]
        if len(tags) > MAX_TAGS or any(len(tag) > 50 for tag in tags):
            raise ValidationError(f"At most {MAX_TAGS} tags of at most 50 characters each.")
        return list(dict.fromkeys(tags))

    def service_data(self) -> ServiceData:
        data = self.cleaned_data
        return ServiceData(
            name=data["name"],
            owner_team=data["owner_team"],
            description=data["description"],
            criticality=data["criticality"],
            status=data["status"],
            tags=data["tags"],
            slo_target=data["slo_target"],
        )


def action_choices() -> list[tuple[str, str]]:
    return [("", "— none (manual fulfilment) —")] + [(a.name, f"{a.label} ({a.name})") for a in action_list()]


class ItemForm(SurrogateSafeFormMixin, forms.Form):
    name = forms.CharField(max_length=120)
    slug = forms.SlugField(
        max_length=100, required=False, help_text="Part of the item's address; made from the name if left empty."
    )
    summary = forms.CharField(required=False, max_length=240, help_text="One line shown in the catalog.")
    description = forms.CharField(required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 4}))
    category = forms.ModelChoiceField(queryset=Category.objects.order_by("position", "name"), to_field_name="slug")
    service = forms.ModelChoiceField(queryset=Service.objects.order_by("name"), to_field_name="slug")
    fulfilling_team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"), to_field_name="slug")
    approval_rule = forms.ChoiceField(choices=ApprovalRule.choices, initial=ApprovalRule.NONE)
    approval_team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"), to_field_name="slug", required=False, help_text="For “A named team”."
    )
    audience = forms.ChoiceField(choices=Audience.choices, initial=Audience.EVERYONE)
    audience_teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.order_by("name"), to_field_name="slug", required=False, help_text="For “Named teams”."
    )
    delivery_target_hours = forms.DecimalField(
        label="Delivery target (business hours)",
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("0.01"),
        initial=Decimal(8),
    )
    status = forms.ChoiceField(
        choices=ItemStatus.choices, initial=ItemStatus.DRAFT, help_text="Drafts are seen by administrators only."
    )
    fulfilment_mode = forms.ChoiceField(choices=FulfilmentMode.choices, initial=FulfilmentMode.MANUAL)
    automation_action = forms.ChoiceField(
        required=False,
        label="Automation action",
        help_text="What the worker does for an automated item; its settings appear below.",
    )

    def __init__(self, *args: Any, item: CatalogItem | None = None, **kwargs: Any) -> None:
        if item is not None:
            kwargs.setdefault("initial", self.initial_for(item))
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["automation_action"]).choices = action_choices()
        if item is not None:
            del self.fields["slug"]
        style(self)

    @staticmethod
    def initial_for(item: CatalogItem) -> dict[str, Any]:
        return {
            "name": item.name,
            "summary": item.summary,
            "description": item.description,
            "category": item.category.slug,
            "service": item.service.slug,
            "fulfilling_team": item.fulfilling_team.slug,
            "approval_rule": item.approval_rule,
            "approval_team": item.approval_team.slug if item.approval_team else None,
            "audience": item.audience,
            "audience_teams": [team.slug for team in item.audience_teams.all()],
            "delivery_target_hours": item.delivery_target_hours,
            "status": item.status,
            "fulfilment_mode": item.fulfilment_mode,
            "automation_action": item.automation_action,
        }

    def item_data(self, config: dict[str, Any]) -> ItemData:
        data = self.cleaned_data
        return ItemData(
            name=data["name"],
            summary=data["summary"],
            description=data["description"],
            category=data["category"],
            service=data["service"],
            fulfilling_team=data["fulfilling_team"],
            approval_rule=data["approval_rule"],
            approval_team=data["approval_team"],
            audience=data["audience"],
            audience_teams=list(data["audience_teams"]),
            delivery_target_hours=data["delivery_target_hours"],
            status=data["status"],
            fulfilment_mode=data["fulfilment_mode"],
            automation_action=data["automation_action"],
            automation_config=config,
        )


# --- An automation action's settings, as a form generated from what the action declares -------------------


def _types(spec: ConfigKey) -> tuple[type, ...]:
    return spec.type if isinstance(spec.type, tuple) else (spec.type,)


class LinesField(forms.CharField):
    """A list of strings, typed one per line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]  # a list, not a str
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(str(item) for item in value) if isinstance(value, list) else value


class JSONValueField(forms.CharField):
    """Any other JSON value; a syntax error says where."""

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if not text:
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"Line {exc.lineno}, column {exc.colno}: {exc.msg}.") from None


def config_field(key: str, spec: ConfigKey) -> forms.Field:
    """The input for one key of an action's configuration, by its declared JSON type."""
    types = _types(spec)
    common: dict[str, Any] = {"required": spec.required, "help_text": spec.help.capitalize() if spec.help else ""}
    label = key.replace("_", " ").capitalize()
    if bool in types:
        return forms.BooleanField(label=label, **{**common, "required": False})
    if list in types:
        return LinesField(label=label, **{**common, "help_text": f"{common['help_text']} (one per line)".strip()})
    if int in types or float in types:
        return forms.FloatField(label=label, **common) if float in types else forms.IntegerField(label=label, **common)
    if str in types:
        # Templates of several lines (an email body) get a text area; short values a line.
        widget = forms.Textarea(attrs={"rows": 5}) if "body" in key else forms.TextInput()
        return forms.CharField(label=label, max_length=20_000, widget=widget, **common)
    return JSONValueField(label=label, max_length=20_000, **common)


class ActionConfigForm(SurrogateSafeFormMixin, forms.Form):
    """Base of the generated settings forms; ``config()`` is the JSON the item stores."""

    action: Action

    def config(self) -> dict[str, Any]:
        """The settings given: empty optional ones are left out, as the action's schema expects."""
        return {key: value for key, value in self.cleaned_data.items() if value not in (None, "", [], False)}


def config_form_class(action_name: str) -> type[ActionConfigForm] | None:
    """The settings form of ``action_name``, or None for no (or an unknown) action."""
    action = get_action(action_name) if action_name else None
    if action is None:
        return None
    attrs: dict[str, Any] = {key: config_field(key, spec) for key, spec in action.config_schema.items()}
    attrs["action"] = action
    return type(f"{action.__class__.__name__}ConfigForm", (ActionConfigForm,), attrs)


def config_form(
    action_name: str, *, data: Any = None, initial: dict[str, Any] | None = None
) -> ActionConfigForm | None:
    form_class = config_form_class(action_name)
    if form_class is None:
        return None
    form = form_class(data=data, initial=initial, prefix=CONFIG_PREFIX)
    style(form)
    return form


# --- JSON import of a request form ------------------------------------------------------------------------


class FormImportForm(forms.Form):
    text = forms.CharField(
        label="Form as JSON",
        required=False,
        max_length=MAX_IMPORT_CHARS,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "class": "form-control font-monospace"}),
        help_text='Paste a form like {"fields": [...]}, as the export writes it, or choose a file below.',
    )
    file = forms.FileField(label="or a .json file", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs.update({"class": "form-control", "accept": ".json,application/json"})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload = cleaned.get("file")
        if upload is not None:
            if upload.size > MAX_IMPORT_CHARS:
                raise ValidationError(f"The file is too large: at most {MAX_IMPORT_CHARS // 1024} KB.")
            try:
                cleaned["text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ValidationError("The file is not UTF-8 text.") from None
        return cleaned
