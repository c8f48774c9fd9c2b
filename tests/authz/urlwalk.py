"""Every URL pattern of the project, read from django.urls.get_resolver() (nothing listed by hand)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    """One URL pattern: its namespaced name (``None`` when unnamed), its full route and its view."""

    name: str | None
    route: str
    callback: Any


def walk(resolver: URLResolver | None = None, namespace: str = "", prefix: str = "") -> Iterator[Route]:
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace or "") if part)
            yield from walk(pattern, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield Route(name=name, route=prefix + str(pattern.pattern), callback=pattern.callback)


def routes() -> list[Route]:
    return list(walk())
