"""The change list's cursor pages, in the order ``?ordering=`` asks for.

The HTML list sorts with the FilterSet's OrderingFilter; cursor pages re-order the rows by their own columns,
so the API reads ``ordering`` here instead, among the non-null columns a cursor can follow.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions

from apps.core.api.pagination import CursorPagination

CURSOR_ORDERINGS = {"created": "created_at", "number": "id", "planned": "planned_start"}

ORDERING = OpenApiParameter(
    "ordering",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    description="Sort order of the cursor pages (``-`` for descending); newest first when left out.",
    enum=sorted([*CURSOR_ORDERINGS, *(f"-{key}" for key in CURSOR_ORDERINGS)]),
)


class ChangeCursorPagination(CursorPagination):
    """Newest first unless ``?ordering=`` names one of CURSOR_ORDERINGS (400 for anything else)."""

    def get_ordering(self, request: Any, queryset: Any, view: Any) -> tuple[str, ...]:
        value = request.query_params.get("ordering", "").strip()
        if not value:
            return tuple(self.ordering)
        column = CURSOR_ORDERINGS.get(value.removeprefix("-"))
        if column is None:
            choices = ", ".join(f"{key}, -{key}" for key in CURSOR_ORDERINGS)
            raise exceptions.ValidationError({"ordering": [f"The API pages by cursor and sorts by one of: {choices}."]})
        sign = "-" if value.startswith("-") else ""
        return (f"{sign}{column}",) if column == "id" else (f"{sign}{column}", f"{sign}id")
