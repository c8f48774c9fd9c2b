"""The service modules of fulfillment form layers too: transitions (and notifications under it) at the bottom.

Lifecycle, approvals, SLA and automation all move requests through services.transitions, imported at the top
of the module; an import inside a function would hide a cycle instead of removing it.
"""

import ast
from pathlib import Path

import pytest

SERVICES = Path(__file__).resolve().parents[2] / "apps" / "fulfillment" / "services"
PACKAGE = "apps.fulfillment.services"
# module -> the sibling service modules it may import; the rest may import any sibling at module level.
BOTTOM = {"notifications": set(), "transitions": {"notifications"}}


def _imports(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            found += [(node.lineno, name) for name in [node.module, *names]]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def _late_imports(tree: ast.Module) -> list[int]:
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    return sorted({line for f in functions for line, name in _imports(f) if name.startswith("apps.")})


@pytest.mark.parametrize("path", sorted(SERVICES.glob("*.py")), ids=lambda p: p.stem)
def test_service_modules_import_apps_at_module_level_only(path):
    assert not _late_imports(ast.parse(path.read_text())), f"{path.name}: move the import up or the shared piece down"


@pytest.mark.parametrize("module", sorted(BOTTOM))
def test_the_bottom_modules_import_no_service_above_them(module):
    tree = ast.parse((SERVICES / f"{module}.py").read_text())
    prefix = f"{PACKAGE}."
    siblings = {name.removeprefix(prefix).split(".")[0] for _, name in _imports(tree) if name.startswith(prefix)}
    assert siblings <= BOTTOM[module], f"{module} imports {sorted(siblings - BOTTOM[module])}"


def test_the_check_sees_a_late_import():
    tree = ast.parse("def f():\n    from apps.fulfillment.services.lifecycle import request_transition\n")
    assert _late_imports(tree) == [2]
