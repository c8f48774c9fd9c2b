"""The apps form layers: an app imports only the apps below it, never one above.

Every import counts, module-level or inside a function (a late import hides a cycle, it does not remove
it). A new app adds its line to LAYERS; an import that breaks the order fails here with the file and line.
"""

import ast
from pathlib import Path

import pytest

APPS_DIR = Path(__file__).resolve().parent.parent / "apps"

# app -> the apps it may import. core is the bottom and imports no app; demo writes sample data for all.
LAYERS: dict[str, set[str]] = {
    "core": set(),
    "accounts": {"core"},
    "approvals": {"core", "accounts"},
    "automation": {"core", "accounts"},
    "catalog": {"core", "accounts", "automation"},
    "fulfillment": {"core", "accounts", "approvals", "automation", "catalog", "knowledge"},
    "changes": {"core", "accounts", "approvals", "catalog"},
    "knowledge": {"core", "accounts", "catalog"},
    "schedule": {"core", "accounts", "approvals", "catalog", "changes"},
    "demo": {
        "core",
        "accounts",
        "approvals",
        "automation",
        "catalog",
        "fulfillment",
        "changes",
        "knowledge",
        "schedule",
    },
}


def imported_apps(path: Path) -> list[tuple[int, str]]:
    """(line, app) for every ``apps.<app>`` this file imports, at any depth of the code."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        found += [(node.lineno, name.split(".")[1]) for name in names if name.startswith("apps.") and "." in name]
    return found


def app_dirs() -> list[Path]:
    return sorted(p for p in APPS_DIR.iterdir() if (p / "apps.py").exists())


def test_every_app_has_a_declared_layer():
    missing = [p.name for p in app_dirs() if p.name not in LAYERS]
    assert not missing, f"Add these apps to LAYERS in {__file__}: {missing}"


@pytest.mark.parametrize("app", [p.name for p in app_dirs()])
def test_app_imports_only_lower_layers(app):
    allowed = LAYERS.get(app, set()) | {app}
    offences = [
        f"{path.relative_to(APPS_DIR.parent)}:{line} imports apps.{other}"
        for path in sorted((APPS_DIR / app).rglob("*.py"))
        if "migrations" not in path.parts
        for line, other in imported_apps(path)
        if other not in allowed
    ]
    assert not offences, f"apps.{app} may import only {sorted(allowed - {app})}:\n" + "\n".join(offences)


def test_the_check_sees_late_imports(tmp_path):
    """The check itself: an import inside a function is found like one at the top."""
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from apps.fulfillment.services import x\n")
    assert imported_apps(module) == [(2, "fulfillment")]
