"""The permissions each role group carries (apps.accounts.choices.Role).

Written against the model classes passed in, so that the data migration (historical models) and the
``post_migrate`` hook (current models) share one definition. Idempotent: it only adds what is missing.
"""

from typing import Any

from apps.accounts.choices import Role

#: Models of these apps are visible to agents and managers (their ``view_*`` permissions).
STAFF_VIEW_APPS = ("catalog", "fulfillment")

ROLE_EXTRA_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.END_USER: (),
    Role.AGENT: ("fulfillment.work_servicerequest",),
    Role.MANAGER: ("fulfillment.approve_servicerequest",),
}


def _permission_ids(permission_model: Any, role: Role) -> list[int]:
    permissions = permission_model.objects.all()
    if role == Role.ADMINISTRATOR:
        return list(permissions.values_list("pk", flat=True))
    ids: set[int] = set()
    if role in (Role.AGENT, Role.MANAGER):
        views = permissions.filter(content_type__app_label__in=STAFF_VIEW_APPS, codename__startswith="view_")
        ids.update(views.values_list("pk", flat=True))
    for dotted in ROLE_EXTRA_PERMISSIONS[role]:
        app_label, codename = dotted.split(".", 1)
        found = permissions.filter(content_type__app_label=app_label, codename=codename)
        ids.update(found.values_list("pk", flat=True))
    return sorted(ids)


def roles_sync(*, group_model: Any, permission_model: Any) -> None:
    """Create the four role groups and give each the permissions its role needs."""
    for role in Role:
        group, _ = group_model.objects.get_or_create(name=role.value)
        ids = _permission_ids(permission_model, role)
        if ids:
            group.permissions.add(*ids)
