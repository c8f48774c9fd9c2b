from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def catalog_managers_after_migrate(**kwargs: Any) -> None:
    # A flush (TransactionTestCase) deletes the groups; tests and the demo rely on this one being there.
    from django.contrib.auth.models import Group, Permission

    from apps.catalog.roles import catalog_managers_sync

    catalog_managers_sync(group_model=Group, permission_model=Permission)


class CatalogConfig(AppConfig):
    name = "apps.catalog"
    label = "catalog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(catalog_managers_after_migrate, dispatch_uid="catalog.catalog_managers_after_migrate")
