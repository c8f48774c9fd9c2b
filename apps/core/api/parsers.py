from typing import Any

from rest_framework import exceptions, parsers


class SafeJSONParser(parsers.JSONParser):
    """DRF's JSON parser, but a deeply nested body is a 400, not a RecursionError (500)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from exc
