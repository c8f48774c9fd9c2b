"""Password authentication with login throttling (see apps.accounts.throttling), and the signed-in user read
with their permissions in one query."""

from functools import cache
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Field, Model, QuerySet
from django.db.models.expressions import RawSQL
from django.http import HttpRequest

from apps.accounts.models import User
from apps.accounts.throttling import client_ip, login_attempt_begin, login_attempt_succeeded


def _column(model: type[Model], field: str) -> str:
    """``"table"."column"`` of ``model.field``, quoted for the database."""
    q = connection.ops.quote_name
    column = cast("Field[Any, Any]", model._meta.get_field(field)).column  # a concrete field: it has a column
    return f"{q(model._meta.db_table)}.{q(str(column))}"


def _names_sql(joins: str, user_column: str) -> str:
    """A subquery: the ``app_label.codename`` of the permissions ``joins`` reaches from the outer user row,
    comma-separated (NULL when there is none)."""
    user_model = get_user_model()
    aggregate = "STRING_AGG" if connection.vendor == "postgresql" else "GROUP_CONCAT"
    name = f"{_column(ContentType, 'app_label')} || '.' || {_column(Permission, 'codename')}"
    permissions = connection.ops.quote_name(Permission._meta.db_table)
    content_types = connection.ops.quote_name(ContentType._meta.db_table)
    # Only quoted table and column names from the models' metadata go in (no outside input): hence the S608.
    select = f"SELECT {aggregate}({name}, ',') FROM {permissions} "  # noqa: S608
    return (
        f"{select}JOIN {content_types} ON {_column(ContentType, 'id')} = {_column(Permission, 'content_type')} "
        f"{joins} WHERE {user_column} = {_column(user_model, 'id')}"
    )


@cache
def _users_with_permissions() -> QuerySet[Any]:
    """Users, each with their own permissions' names and their groups' (ModelBackend's two sets) as columns.

    Raw SQL built once from the models' tables: the ORM compiling the same two subqueries on every request
    cost more time than the two queries they replace.
    """
    user_model = get_user_model()
    own = user_model.user_permissions.through
    member = user_model.groups.through
    granted = Group.permissions.through
    own_sql = _names_sql(
        f"JOIN {connection.ops.quote_name(own._meta.db_table)} "
        f"ON {_column(own, 'permission')} = {_column(Permission, 'id')}",
        _column(own, "user"),
    )
    group_sql = _names_sql(
        f"JOIN {connection.ops.quote_name(granted._meta.db_table)} "
        f"ON {_column(granted, 'permission')} = {_column(Permission, 'id')} "
        f"JOIN {connection.ops.quote_name(member._meta.db_table)} "
        f"ON {_column(member, 'group')} = {_column(granted, 'group')}",
        _column(member, "user"),
    )
    # The SQL holds only quoted names from the models' metadata (no outside input), hence the two S611 below.
    return user_model._default_manager.annotate(
        own_perm_names=RawSQL(own_sql, ()),  # noqa: S611
        group_perm_names=RawSQL(group_sql, ()),  # noqa: S611
    )


def _names(joined: str | None) -> set[str]:
    return set(joined.split(",")) if joined else set()


class ThrottledModelBackend(ModelBackend):
    """Django's backend with throttling; service accounts can never log in with a password.

    Every attempt is counted as a failure before the password is checked (atomically, so concurrent guesses
    cannot slip past one check) and taken back when the password is right. A throttled attempt raises
    ``LoginThrottled`` (a PermissionDenied), which ``django.contrib.auth.authenticate`` turns into a refusal
    without checking the password. The login form and the token endpoint check the throttle first themselves,
    so that they can say why and when to try again.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if username is None or password is None:
            return None
        ip_address = client_ip(request)
        login_attempt_begin(username=username, ip_address=ip_address)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None or user.is_service_account:
            return None  # already counted as a failure
        login_attempt_succeeded(username=username, ip_address=ip_address)
        return user

    def get_user(self, user_id: Any) -> User | None:
        """The session's user, with the permission sets ModelBackend would read in two more queries.

        Every page asks for permissions (the navbar's ``perms``, the views' ``has_perm``): read in the same
        query as the user, they cost no round trip and are never stale (nothing is kept across requests).
        Superusers keep ModelBackend's path: ``has_perm`` answers them without reading permissions.
        """
        try:
            user = _users_with_permissions().get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        if not self.user_can_authenticate(user):
            return None
        if not user.is_superuser:
            # The attributes ModelBackend._get_permissions caches its two sets in (private to Django, not typed).
            vars(user).update(
                _user_perm_cache=_names(user.own_perm_names), _group_perm_cache=_names(user.group_perm_names)
            )
        return user
