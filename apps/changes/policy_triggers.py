# ruff: noqa: S608  # SQL built from this module's constant table and column names only, no input
"""The database triggers that make an activated risk-policy version immutable (migration 0003 installs them).

Activation (services.versions.policy_activate) stamps ``activated_at``; from then on PostgreSQL and SQLite
refuse, with an IntegrityError, any update or delete of the version's row (``is_active`` and ``based_on``
excepted: activating another version clears the flag) and any insert, update or delete of its rules and
test cases. SQLite guards updates and inserts only: its flush (``manage.py flush``, pytest-django's
transactional tests) empties tables with row-by-row DELETEs that a delete guard would refuse, where
PostgreSQL's flush TRUNCATEs, which row triggers do not see; deleting is refused by the services there.
On SQLite, a later migration that rebuilds one of these tables (Django's ALTER emulation)
drops its triggers: such a migration must run ``install`` again (tests/changes/policy checks they hold).
"""

from __future__ import annotations

from typing import Any

MESSAGE = "This risk policy version is activated: it cannot be changed. Draft a new version instead."
# Columns of changes_riskpolicy that may not move once activated_at is set.
SEALED_COLUMNS = (
    "name", "version", "description", "medium_from", "high_from", "created_at", "created_by_id",
    "activated_at", "activated_by_id", "activation_comment",
)  # fmt: skip
CHILD_TABLES = ("changes_policyrule", "changes_policytestcase")

POSTGRES_INSTALL = f"""
CREATE OR REPLACE FUNCTION changes_policy_sealed_version() RETURNS trigger AS $$
BEGIN
    IF OLD.activated_at IS NULL THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' OR ({", ".join(f"NEW.{c}" for c in SEALED_COLUMNS)})
            IS DISTINCT FROM ({", ".join(f"OLD.{c}" for c in SEALED_COLUMNS)}) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION changes_policy_sealed_child() RETURNS trigger AS $$
BEGIN
    IF (TG_OP <> 'INSERT' AND EXISTS (
            SELECT 1 FROM changes_riskpolicy WHERE id = OLD.policy_id AND activated_at IS NOT NULL))
       OR (TG_OP <> 'DELETE' AND EXISTS (
            SELECT 1 FROM changes_riskpolicy WHERE id = NEW.policy_id AND activated_at IS NOT NULL)) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS changes_riskpolicy_sealed ON changes_riskpolicy;
CREATE TRIGGER changes_riskpolicy_sealed BEFORE UPDATE OR DELETE ON changes_riskpolicy
    FOR EACH ROW EXECUTE FUNCTION changes_policy_sealed_version();
""" + "".join(
    f"""
DROP TRIGGER IF EXISTS {table}_sealed ON {table};
CREATE TRIGGER {table}_sealed BEFORE INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION changes_policy_sealed_child();
"""
    for table in CHILD_TABLES
)

POSTGRES_REMOVE = "".join(f"DROP TRIGGER IF EXISTS {t}_sealed ON {t};\n" for t in ("changes_riskpolicy", *CHILD_TABLES))
POSTGRES_REMOVE += "DROP FUNCTION IF EXISTS changes_policy_sealed_version();\n"
POSTGRES_REMOVE += "DROP FUNCTION IF EXISTS changes_policy_sealed_child();\n"


def _sealed(ref: str) -> str:
    return f"(SELECT activated_at FROM changes_riskpolicy WHERE id = {ref}) IS NOT NULL"


_RAISE = f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
_CHANGED = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in SEALED_COLUMNS)
SQLITE_STATEMENTS = [
    "CREATE TRIGGER IF NOT EXISTS changes_riskpolicy_sealed_update BEFORE UPDATE ON changes_riskpolicy "
    f"WHEN OLD.activated_at IS NOT NULL AND ({_CHANGED}) {_RAISE}",
]
for _table in CHILD_TABLES:
    SQLITE_STATEMENTS += [
        f"CREATE TRIGGER IF NOT EXISTS {_table}_sealed_insert BEFORE INSERT ON {_table} "
        f"WHEN {_sealed('NEW.policy_id')} {_RAISE}",
        f"CREATE TRIGGER IF NOT EXISTS {_table}_sealed_update BEFORE UPDATE ON {_table} "
        f"WHEN {_sealed('OLD.policy_id')} OR {_sealed('NEW.policy_id')} {_RAISE}",
    ]
SQLITE_TRIGGERS = [statement.split()[5] for statement in SQLITE_STATEMENTS]


def install(schema_editor: Any) -> None:
    """Create (or re-create) the triggers on the connection's database."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_INSTALL)
    elif vendor == "sqlite":
        for statement in SQLITE_STATEMENTS:
            schema_editor.execute(statement)


def remove(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_REMOVE)
    elif vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
