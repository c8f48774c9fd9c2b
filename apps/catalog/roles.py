"""The Catalog managers role: a group holding every permission of the catalog (``catalog.manage_catalog`` opens
the catalog builder). Written against the model classes passed in, so that the data migration (historical
models) and the ``post_migrate`` hook (current models, after a test database flush) share one definition."""

from __future__ import annotations

from typing import Any

CATALOG_MANAGERS = "Catalog managers"
MANAGE_PERMISSION = "catalog.manage_catalog"


def catalog_managers_sync(*, group_model: Any, permission_model: Any) -> None:
    """Create the Catalog managers group and give it every catalog permission; idempotent."""
    group, _ = group_model.objects.get_or_create(name=CATALOG_MANAGERS)
    ids = permission_model.objects.filter(content_type__app_label="catalog").values_list("pk", flat=True)
    if ids:
        group.permissions.add(*ids)
