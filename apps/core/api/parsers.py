"""The API's body parser: DRF's JSON parser, plus the checks that turn hostile bodies into a 400, not a 500."""

from typing import Any

from rest_framework import exceptions, parsers

from apps.core.surrogates import surrogate_errors


class SafeJSONParser(parsers.JSONParser):
    """DRF's JSON parser; a deeply nested body or a lone surrogate ("\\ud800") is a 400, not a 500."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from exc
        errors = surrogate_errors(data)
        if errors:
            raise exceptions.ValidationError(errors)
        return data
