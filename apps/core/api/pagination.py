from typing import Any, ClassVar

from rest_framework import exceptions, pagination
from rest_framework.request import Request


class CursorPagination(pagination.CursorPagination):
    """Cursor pages: never counts the table, stays fast at a million rows.

    ``page_size`` is validated, not clamped: anything but a whole number from 1 to ``max_page_size`` (or empty, the
    default) answers 400,
    as the schema (get_schema_operation_parameters) declares. DRF's default silently served 50 rows for
    ``page_size=0`` or ``page_size=abc``, which a client cannot tell from a short last page.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering: Any = ("-created_at", "-id")

    def get_page_size(self, request: Request) -> int:
        text = request.query_params.get(self.page_size_query_param, "").strip()
        if not text:  # empty counts as not given, like every query parameter of the API
            return self.page_size
        if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= self.max_page_size:
            message = f"A whole number from 1 to {self.max_page_size}; {self.page_size} when left out."
            raise exceptions.ValidationError({self.page_size_query_param: [message]})
        return int(text)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Rows per page, from 1 to {self.max_page_size} (default {self.page_size}); "
                    "any other value answers 400."
                )
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return parameters


class OrderedCursorPagination(CursorPagination):
    """Cursor pages in the order ``?ordering=`` asks for, among ``orderings`` (name -> column); 400 for others.

    An HTML list sorts with its FilterSet's OrderingFilter; cursor pages re-order the rows by their own columns,
    so the API reads ``ordering`` here instead, among non-null columns a cursor can follow (``id`` breaks ties).
    The parameter is declared in the schema with its allowed values.
    """

    orderings: ClassVar[dict[str, str]] = {}

    def get_ordering(self, request: Any, queryset: Any, view: Any) -> tuple[str, ...]:
        value = request.query_params.get("ordering", "").strip()
        if not value:
            return tuple(self.ordering)
        column = self.orderings.get(value.removeprefix("-"))
        if column is None:
            choices = ", ".join(f"{key}, -{key}" for key in self.orderings)
            raise exceptions.ValidationError({"ordering": [f"The API pages by cursor and sorts by one of: {choices}."]})
        sign = "-" if value.startswith("-") else ""
        return (f"{sign}{column}",) if column == "id" else (f"{sign}{column}", f"{sign}id")

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        ordering = {
            "name": "ordering",
            "required": False,
            "in": "query",
            "description": "Sort order of the cursor pages (``-`` for descending); newest first when left out.",
            "schema": {"type": "string", "enum": sorted([*self.orderings, *(f"-{key}" for key in self.orderings)])},
        }
        return [*super().get_schema_operation_parameters(view), ordering]
