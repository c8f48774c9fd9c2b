"""The authorization matrix (tests/authz/matrix.py) against every URL of the project.

``test_every_url_has_rows`` walks django.urls.get_resolver(): a URL without rows, or whose view allows a
method the table does not list, fails with the rows to add. ``test_matrix`` requests every row as every
role, HTML by session and API by token (read-write and read-only) and by session; each request runs in a
transaction that is rolled back, so allowed writes leave the shared data set as it was for the next one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tests.authz.fingerprint import changed_tables, fingerprint
from tests.authz.matrix import (
    ADMIN_SAMPLED,
    API_BROWSER_PAGES,
    BODIES,
    DEFAULT_KWARGS,
    KWARGS,
    MATRIX,
    METHODS_NOT_PROBED,
    READ_ONLY_TOKEN_EXEMPT,
    VARIANTS,
)
from tests.authz.urlwalk import Route, routes
from tests.authz.world import ROLES, World

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
METHODS = ("GET", *WRITE_METHODS)
REFUSALS = frozenset({"login", "400", "401", "403", "404", "405", "409", "413"})
HTML, TOKEN, SESSION, READ_TOKEN = "html", "token", "session", "read-only token"


def split_key(key: str) -> tuple[str, str | None]:
    name, _, variant = key.partition("@")
    return name, variant or None


def is_api(name: str) -> bool:
    return name.startswith("api:") and name not in API_BROWSER_PAGES


def modes_of(name: str) -> tuple[str, ...]:
    return (TOKEN, SESSION, READ_TOKEN) if is_api(name) else (HTML,)


def url_for(world: World, key: str, route: Route | None = None) -> str:
    name, variant = split_key(key)
    found = route or next((r for r in routes() if r.name == name), None)
    if found is None:
        pytest.fail(f"MATRIX has rows for {name!r}, which is no longer a URL: remove them.")
    wanted = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", found.route)
    paths = {**DEFAULT_KWARGS, **KWARGS.get(name, {}), **VARIANTS.get(variant or "", {})}
    kwargs = {}
    for arg in (a or b for a, b in wanted):
        path = paths[arg]
        kwargs[arg] = path[1:] if path.startswith("=") else world.lookup(path)
    return reverse(name, kwargs=kwargs)


def client_as(world: World, role: str, mode: str) -> Client:
    if role == "anon":
        return Client()
    if mode in (TOKEN, READ_TOKEN):
        key = (world.tokens if mode == TOKEN else world.read_tokens)[role]
        return Client(HTTP_AUTHORIZATION=f"Token {key}")
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return client


def outcome(response: Any) -> str:
    """The cell a response matches: its status, or "login" for a redirect to a login page."""
    if response.status_code in (301, 302, 303):
        path = urlsplit(response["Location"]).path
        if path in (reverse("accounts:login"), reverse("admin:login")):
            return "login"
    return str(response.status_code)


def send(world: World, key: str, role: str, method: str, mode: str) -> Any:
    name, _variant = split_key(key)
    client, url = client_as(world, role, mode), url_for(world, key)
    body = BODIES[name](world) if method != "GET" and name in BODIES else {}
    if is_api(name):
        data = json.dumps(body) if method != "GET" else None
        return client.generic(method, url, data or "", content_type="application/json")
    if method == "GET":
        return client.get(url)
    return client.generic(method, url) if method != "POST" else client.post(url, body)


@dataclass
class Result:
    got: str
    changed: list[str]


def request_once(world: World, key: str, role: str, method: str, mode: str, *, refused: bool) -> Result:
    """Send one request in a transaction that is rolled back; a refused write must have changed nothing."""
    with transaction.atomic():
        got = outcome(send(world, key, role, method, mode))
        check = method != "GET" and (refused or got in REFUSALS)
        changed = changed_tables(world.baseline, fingerprint()) if check else []
        transaction.set_rollback(True)
    return Result(got, changed)


def expected_cells(key: str, method: str, mode: str) -> list[str]:
    """The row's cells for ``mode``; a read-only token has no anonymous column ("-") and may not write."""
    cells = MATRIX[key][method].split()
    assert len(cells) == len(ROLES), f"MATRIX[{key!r}][{method!r}] needs one cell per role: {' '.join(ROLES)}"
    if mode != READ_TOKEN:
        return cells
    if method != "GET" and split_key(key)[0] not in READ_ONLY_TOKEN_EXEMPT:
        return ["-", *(["403"] * (len(ROLES) - 1))]
    return ["-", *cells[1:]]


def matrix_cases() -> list[Any]:
    return [pytest.param(key, mode, id=f"{key}[{mode}]") for key in MATRIX for mode in modes_of(split_key(key)[0])]


@pytest.mark.parametrize(("key", "mode"), matrix_cases())
def test_matrix(world, key, mode):
    problems = []
    for method in MATRIX[key]:
        cells = expected_cells(key, method, mode)
        observed = []
        for role, expected in zip(ROLES, cells, strict=True):
            if expected == "-":
                observed.append("-")
                continue
            refused = expected.endswith("x")
            result = request_once(world, key, role, method, mode, refused=refused)
            observed.append(result.got + ("x" if refused and result.got == expected[:-1] else ""))
            if result.changed:
                problems.append(f"{method} as {role}: refused with {result.got} but changed {result.changed}")
        if observed != cells:
            problems.append(f"{method}\n    expected {' '.join(cells)}\n    observed {' '.join(observed)}")
    header = f"{key} ({mode}), roles: {' '.join(ROLES)}"
    assert not problems, header + "\n" + "\n".join(problems)


# --- The table covers the URLconf, and only it ----------------------------------------------------------

HOW_TO = (
    "Add rows to MATRIX in tests/authz/matrix.py (one cell per role: {roles}), arguments to KWARGS when the "
    "URL's argument names are new or ambiguous, and check each cell against the README's roles table."
)


def is_sampled(route: Route) -> bool:
    """Admin URLs other than the index and the changelists (see ADMIN_SAMPLED), named or not."""
    if route.name is None:
        return route.route.startswith("admin/")
    return re.match(ADMIN_SAMPLED, route.name) is not None


def declared_methods(name: str) -> set[str]:
    return {method for key, row in MATRIX.items() if split_key(key)[0] == name for method in row}


def allowed_methods(world: World, route: Route) -> set[str]:
    """What the view accepts, from the Allow header of its 405 to a TRACE (Django and DRF both send it), asked
    as an admin, or anonymously where the view answers signed-in people before it looks at the method (login)."""
    url = url_for(world, route.name or "", route)
    for role in ("admin", "anon"):
        with transaction.atomic():
            response = client_as(world, role, SESSION).generic("TRACE", url)
            transaction.set_rollback(True)
        if response.status_code == 405:
            break
    else:
        return {"ANY"}  # a view that takes every method: restrict it (require_GET, require_POST...)
    allowed = {method.strip().upper() for method in response.get("Allow", "").split(",")}
    return allowed & set(METHODS)


def row_template(name: str, methods: set[str]) -> str:
    cells = " ".join("?" * len(ROLES))
    rows = ", ".join(f'"{method}": "{cells}"' for method in sorted(methods, key=METHODS.index))
    return f'    "{name}": {{{rows}}},'


def coverage_problems(world: World) -> list[str]:
    problems = []
    for route in routes():
        if is_sampled(route):
            continue
        if route.name is None:
            problems.append(f"The pattern {route.route!r} has no name: name it, then add its rows.")
            continue
        declared = declared_methods(route.name)
        try:
            # The admin's sampled views are requested with GET only (ADMIN_SAMPLED).
            if route.name.startswith("admin:"):
                allowed = {"GET"}
            elif route.name in METHODS_NOT_PROBED:
                allowed = declared
            else:
                allowed = allowed_methods(world, route)
        except KeyError as exc:
            problems.append(f"{route.name}: no value for the URL argument {exc}: add it to KWARGS.")
            continue
        if not declared:
            problems.append(f"{route.name} ({route.route}) has no rows:\n{row_template(route.name, allowed)}")
        elif declared != allowed:
            problems.append(f"{route.name}: the view allows {sorted(allowed)}, MATRIX lists {sorted(declared)}.")
    return problems


def test_every_url_has_rows_for_every_method_its_view_allows(world):
    problems = coverage_problems(world)
    assert not problems, HOW_TO.format(roles=" ".join(ROLES)) + "\n" + "\n".join(problems)


def test_every_row_names_a_url():
    names = {route.name for route in routes()}
    stale = sorted({split_key(key)[0] for key in MATRIX} - names)
    assert not stale, f"MATRIX has rows for URLs that no longer exist (remove them): {stale}"


def test_variants_name_known_objects():
    unknown = sorted({split_key(key)[1] for key in MATRIX} - {None, *VARIANTS})
    assert not unknown, f"MATRIX uses variants without VARIANTS entries: {unknown}"
