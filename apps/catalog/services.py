"""Writes to the catalog: publishing request forms and checking items before they are saved."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.accounts.models import User
from apps.catalog.choices import FulfilmentMode
from apps.catalog.formdefs import validate_definition
from apps.catalog.models import CatalogItem, FormVersion, check_automation
from apps.core.services import audit_record


def item_validate(*, item: CatalogItem) -> None:
    """ValidationError keyed by field when the item cannot be saved (the admin's form calls this)."""
    item.full_clean(validate_unique=False, validate_constraints=False)


def item_check_definition(*, definition: object) -> dict[str, Any]:
    """The normalised definition, or ValidationError under ``form_definition`` with the reason."""
    try:
        return validate_definition(definition)
    except ValidationError as exc:
        raise ValidationError({"form_definition": exc.messages}) from exc


@transaction.atomic
def item_publish_form(*, item: CatalogItem, definition: object, actor: User | None) -> FormVersion:
    """Make ``definition`` the item's request form: a new FormVersion only when it differs from the current one."""
    normalised = item_check_definition(definition=definition)
    if item.fulfilment_mode == FulfilmentMode.AUTOMATED:
        # A new form must keep the fields the item's automation needs (the message names the missing one).
        check_automation(item.automation_action, normalised, item.automation_config)
    # Locks the item so two publishers cannot both take the same version number.
    CatalogItem.objects.select_for_update().filter(pk=item.pk).first()
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
