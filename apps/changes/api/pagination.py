"""The change list's cursor pages, in the order ``?ordering=`` asks for (apps.core.api.pagination)."""

from __future__ import annotations

from apps.core.api.pagination import OrderedCursorPagination

CURSOR_ORDERINGS = {"created": "created_at", "number": "id", "planned": "planned_start"}


class ChangeCursorPagination(OrderedCursorPagination):
    """Newest first unless ``?ordering=`` names one of CURSOR_ORDERINGS (400 for anything else)."""

    orderings = CURSOR_ORDERINGS
