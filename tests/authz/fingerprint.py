"""A fingerprint of every table of our apps: what a refused write must leave exactly as it was."""

from __future__ import annotations

import hashlib

from django.apps import apps
from django.db import connection

# Columns that reading may legitimately touch: token authentication records when a token was last used.
VOLATILE = {"accounts.apitoken": {"last_used_at"}}


def our_models() -> list[type]:
    """Models of the project's own apps (apps.*), with their automatic many-to-many tables (those migrated:
    a table that does not exist cannot change, and makemigrations --check catches the missing migration)."""
    tables = set(connection.introspection.table_names())
    return [
        model
        for config in apps.get_app_configs()
        if config.name.startswith("apps.")
        for model in config.get_models(include_auto_created=True)
        if model._meta.db_table in tables
    ]


def fingerprint() -> dict[str, tuple[int, str]]:
    """``{model label: (row count, sha256 of all rows in primary-key order)}``."""
    result = {}
    for model in our_models():
        label = model._meta.label_lower
        columns = [f.attname for f in model._meta.concrete_fields if f.attname not in VOLATILE.get(label, ())]
        rows = list(model._base_manager.order_by("pk").values_list(*columns))
        result[label] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return result


def changed_tables(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> list[str]:
    return sorted(label for label in before.keys() | after.keys() if before.get(label) != after.get(label))
