"""Keep the role groups complete after every ``migrate`` (and every test-database flush)."""

from typing import Any

from django.contrib.auth.models import Group, Permission

from apps.accounts.roles import roles_sync


def roles_sync_after_migrate(**kwargs: Any) -> None:
    # Runs once per migrated app: later apps' permissions are created just before their own
    # post_migrate, and Administrators must end up with all of them. A flush (TransactionTestCase)
    # deletes the groups; this puts them back, since tests and factories rely on them.
    roles_sync(group_model=Group, permission_model=Permission)
