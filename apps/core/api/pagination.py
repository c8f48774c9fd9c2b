from typing import Any, ClassVar

from rest_framework import exceptions, pagination
from rest_framework.request import Request


class ValidatedPageSize:
    """``page_size`` validated, not clamped: anything but a whole number from 1 to ``max_page_size`` (or empty,
    the default) answers 400, as the schema (get_schema_operation_parameters) declares. DRF's default silently
    served 50 rows for ``page_size=0`` or ``page_size=abc``, which a client cannot tell from a short last page.
    Mixed into every paginator of the API (cursor pages here, numbered pages in apps.approvals)."""

    # Typed as DRF's paginators type them (the classes this is mixed into); always set here.
    page_size: int | None = 50
    page_size_query_param: str | None = "page_size"
    max_page_size: int | None = 200

    def get_page_size(self, request: Request) -> int:
        name, default, limit = (
            self.page_size_query_param or "page_size",
            self.page_size or 50,
            self.max_page_size or 200,
        )
        text = request.query_params.get(name, "").strip()
        if not text:  # empty counts as not given, like every query parameter of the API
            return default
        if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= limit:
            message = f"A whole number from 1 to {limit}; {default} when left out."
            raise exceptions.ValidationError({name: [message]})
        return int(text)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)  # type: ignore[misc]  # a mixin: the paginator beside it has it
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Rows per page, from 1 to {self.max_page_size} (default {self.page_size}); "
                    "any other value answers 400."
                )
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return parameters


class CursorPagination(ValidatedPageSize, pagination.CursorPagination):
    """Cursor pages: never counts the table, stays fast at a million rows; page size as ValidatedPageSize says."""

    ordering: Any = ("-created_at", "-id")


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
