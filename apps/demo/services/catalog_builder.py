"""The demo's catalog managers: ``manager`` (a service owner) builds catalog items and forms; ``admin`` too."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from apps.catalog.roles import CATALOG_MANAGERS, catalog_managers_sync
from apps.demo.services.base import DemoWorld

CATALOG_MANAGER_LOGINS = ("manager", "admin")


def seed_catalog_managers(world: DemoWorld) -> None:
    """Put the demo's catalog managers in the Catalog managers group (idempotent)."""
    catalog_managers_sync(group_model=Group, permission_model=Permission)
    group = Group.objects.get(name=CATALOG_MANAGERS)
    for username in CATALOG_MANAGER_LOGINS:
        world.people[username].groups.add(group)
