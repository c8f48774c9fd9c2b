from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate

# Role group -> the changes permissions it carries; Administrators get every permission (apps.accounts.roles).
ROLE_PERMISSIONS = {
    "Agents": ("view_all_changes",),
    "Managers": ("view_all_changes", "manage_changes"),
}


def grant_role_permissions(**kwargs: Any) -> None:
    """Give the staff role groups their changes permissions; idempotent, re-run after every migrate/flush."""
    from django.contrib.auth.models import Group, Permission

    for group_name, codenames in ROLE_PERMISSIONS.items():
        group = Group.objects.filter(name=group_name).first()
        permissions = Permission.objects.filter(content_type__app_label="changes", codename__in=codenames)
        if group is not None and permissions:
            group.permissions.add(*permissions)


class ChangesConfig(AppConfig):
    name = "apps.changes"
    label = "changes"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.approvals.registry import register_provider
        from apps.changes import signals  # noqa: F401  # gate cache invalidation
        from apps.changes.approvals import PROVIDER

        register_provider(PROVIDER)  # changes awaiting approval in the approver's inbox

        post_migrate.connect(grant_role_permissions, dispatch_uid="changes.grant_role_permissions")
