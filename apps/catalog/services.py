"""Writes to the catalog: services, catalog items and their request forms (every write records who and when)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from apps.accounts.models import Team, User
from apps.automation.registry import get_action
from apps.catalog.choices import ApprovalRule, Audience, FulfilmentMode
from apps.catalog.exceptions import StaleForm
from apps.catalog.formdefs import validate_definition
from apps.catalog.models import CatalogItem, Category, FormVersion, Service, check_automation
from apps.core.services import audit_record

SLUG_LIMIT = 100


def item_validate(*, item: CatalogItem) -> None:
    """ValidationError keyed by field when the item cannot be saved (the admin's form calls this)."""
    item.full_clean(validate_unique=False, validate_constraints=False)


def item_check_definition(*, definition: object) -> dict[str, Any]:
    """The normalised definition, or ValidationError under ``form_definition`` with the reason."""
    try:
        return validate_definition(definition)
    except ValidationError as exc:
        raise ValidationError({"form_definition": exc.messages}) from exc


def _current_number(item: CatalogItem) -> int | None:
    """The number of the item's current form version as the database has it now (not as ``item`` was read)."""
    current_id = CatalogItem.objects.filter(pk=item.pk).values_list("current_form_id", flat=True).first()
    return FormVersion.objects.filter(pk=current_id).values_list("number", flat=True).first() if current_id else None


@transaction.atomic
def item_publish_form(
    *, item: CatalogItem, definition: object, actor: User | None, expected_version: int | None = None
) -> FormVersion:
    """Make ``definition`` the item's request form: a new FormVersion only when it differs from the current one.

    ``expected_version``: the current version's number the editor was opened on (0: none yet); StaleForm when
    another version was published since. Requests keep the version they were filed with.
    """
    normalised = item_check_definition(definition=definition)
    if item.fulfilment_mode == FulfilmentMode.AUTOMATED:
        # A new form must keep the fields the item's automation needs (the message names the missing one).
        check_automation(item.automation_action, normalised, item.automation_config)
    # Locks the item so two publishers cannot both take the same version number.
    CatalogItem.objects.select_for_update().filter(pk=item.pk).first()
    if expected_version is not None and (_current_number(item) or 0) != expected_version:
        raise StaleForm(_current_number(item))
    current = FormVersion.objects.filter(pk=item.current_form_id).first() if item.current_form_id else None
    if current is not None and current.definition == normalised:
        if item.form_definition != normalised:
            item.form_definition = normalised
            CatalogItem.objects.filter(pk=item.pk).update(form_definition=normalised)
        return current
    last = FormVersion.objects.filter(item=item).order_by("-number").values_list("number", flat=True).first()
    version = FormVersion.objects.create(item=item, number=(last or 0) + 1, definition=normalised, created_by=actor)
    item.current_form, item.form_definition = version, normalised
    CatalogItem.objects.filter(pk=item.pk).update(current_form=version, form_definition=normalised)
    audit_record(target=item, verb="form_published", actor=actor, version=version.number)
    return version


# --- Services ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceData:
    """What the catalog builder's service form sets on a service."""

    name: str
    owner_team: Team
    description: str = ""
    criticality: str = "medium"
    status: str = "operational"
    tags: list[str] = field(default_factory=list)
    slo_target: Decimal = Decimal("99.9")


SERVICE_FIELDS = ("name", "owner_team", "description", "criticality", "status", "tags", "slo_target")


def _unique_slug(model: type[Service] | type[CatalogItem], name: str, wanted: str = "") -> str:
    """``wanted`` if given (its uniqueness is checked by full_clean), else the name's slug with a free suffix."""
    if wanted:
        return wanted
    base = slugify(name)[: SLUG_LIMIT - 4] or "untitled"
    slug, suffix = base, 2
    while model._default_manager.filter(slug=slug).exists():
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


def _changed(obj: Any, values: dict[str, Any]) -> list[str]:
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    return changed


@transaction.atomic
def service_create(*, data: ServiceData, actor: User, slug: str = "") -> Service:
    """A new service; ValidationError keyed by field when it cannot be saved (e.g. a name already taken)."""
    service = Service(
        slug=_unique_slug(Service, data.name, slug), **{name: getattr(data, name) for name in SERVICE_FIELDS}
    )
    service.full_clean()
    service.save()
    audit_record(target=service, verb="created", actor=actor, name=service.name)
    return service


@transaction.atomic
def service_update(*, service: Service, data: ServiceData, actor: User) -> Service:
    """Write the fields that changed; ValidationError keyed by field when the result cannot be saved."""
    changed = _changed(service, {name: getattr(data, name) for name in SERVICE_FIELDS})
    if not changed:
        return service
    service.full_clean()
    service.save(update_fields=changed)
    audit_record(target=service, verb="updated", actor=actor, fields=changed)
    return service


# --- Catalog items ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemData:
    """What the catalog builder's item form sets on a catalog item (the request form has its own editor)."""

    name: str
    service: Service
    category: Category
    fulfilling_team: Team
    summary: str = ""
    description: str = ""
    approval_rule: str = ApprovalRule.NONE
    approval_team: Team | None = None
    audience: str = Audience.EVERYONE
    audience_teams: list[Team] = field(default_factory=list)
    delivery_target_hours: Decimal = Decimal(8)
    status: str = "draft"
    fulfilment_mode: str = FulfilmentMode.MANUAL
    automation_action: str = ""
    automation_config: dict[str, Any] = field(default_factory=dict)


ITEM_FIELDS = (
    "name",
    "service",
    "category",
    "fulfilling_team",
    "summary",
    "description",
    "approval_rule",
    "approval_team",
    "audience",
    "delivery_target_hours",
    "status",
    "fulfilment_mode",
    "automation_action",
    "automation_config",
)


def starter_form(action_name: str) -> dict[str, Any]:
    """A new item's first form: the fields its automation action needs (required, always shown), or none."""
    action = get_action(action_name) if action_name else None
    needed = sorted(action.required_fields.items()) if action else []
    fields = [
        {"name": name, "label": name.replace("_", " ").capitalize(), "type": sorted(types)[0], "required": True}
        for name, types in needed
    ]
    return {"fields": fields}


def _item_values(data: ItemData) -> dict[str, Any]:
    values = {name: getattr(data, name) for name in ITEM_FIELDS}
    if data.fulfilment_mode != FulfilmentMode.AUTOMATED:
        # A manual item keeps no action: switching back to manual must not leave a stale action behind.
        values["automation_action"], values["automation_config"] = "", {}
    if data.approval_rule != ApprovalRule.TEAM:
        values["approval_team"] = None
    return values


def _check_item(item: CatalogItem, data: ItemData) -> None:
    """Model checks (form, approval, automation) plus the builder's own: an audience of teams names a team."""
    errors: dict[str, list[str]] = {}
    if data.audience == Audience.TEAMS and not data.audience_teams:
        errors["audience_teams"] = ["Name at least one team, or choose “Everyone”."]
    try:
        item.full_clean(exclude=["current_form"])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def item_create(*, data: ItemData, actor: User, slug: str = "") -> CatalogItem:
    """A new catalog item with its first form version: the fields its automation action needs, if any."""
    values = _item_values(data)
    item = CatalogItem(
        slug=_unique_slug(CatalogItem, data.name, slug),
        form_definition=starter_form(values["automation_action"]),
        **values,
    )
    _check_item(item, data)
    item.save()
    item.audience_teams.set(data.audience_teams if data.audience == Audience.TEAMS else [])
    audit_record(target=item, verb="created", actor=actor, name=item.name)
    item_publish_form(item=item, definition=item.form_definition, actor=actor)
    return item


@transaction.atomic
def item_update(*, item: CatalogItem, data: ItemData, actor: User) -> CatalogItem:
    """Write the settings that changed; ValidationError keyed by field (an automated item whose form lacks a
    field its action needs names that field under ``automation_action``)."""
    # Checked against the published form: the editor's unsaved state is not the item's form.
    versions = FormVersion.objects.filter(pk=item.current_form_id or 0)
    current = versions.values_list("definition", flat=True).first()
    item.form_definition = current if current is not None else item.form_definition
    changed = _changed(item, _item_values(data))
    _check_item(item, data)
    teams = data.audience_teams if data.audience == Audience.TEAMS else []
    teams_changed = {team.pk for team in item.audience_teams.all()} != {team.pk for team in teams}
    if changed:
        item.save()
    if teams_changed:
        item.audience_teams.set(teams)
        changed.append("audience_teams")
    if changed:
        audit_record(target=item, verb="updated", actor=actor, fields=changed)
    return item
