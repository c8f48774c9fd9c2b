from typing import Any

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
