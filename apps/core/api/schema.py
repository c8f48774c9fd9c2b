"""drf-spectacular hooks and extensions: the schema states every limit the API enforces.

document_transport_errors is registered in settings.SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"] (after
drf-spectacular's enum hook); the filter extension registers itself when CoreConfig.ready imports this module.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.django_filters import DjangoFilterExtension


class BoundedDjangoFilterExtension(DjangoFilterExtension):
    """drf-spectacular's django-filter support, plus each filter's ``max_length`` (else a long value is a 400
    the schema did not announce)."""

    priority = 1  # preferred to the stock extension it extends

    def resolve_filter_field(
        self, auto_schema: Any, model: Any, filterset_class: Any, field_name: str, filter_field: Any
    ) -> list[dict[str, Any]]:
        parameters = super().resolve_filter_field(auto_schema, model, filterset_class, field_name, filter_field)
        max_length = filter_field.extra.get("max_length")
        for parameter in parameters:
            if max_length and parameter["schema"].get("type") == "string":
                parameter["schema"]["maxLength"] = max_length
        return parameters


ERROR_BODY = {"application/json": {"schema": {"type": "object", "additionalProperties": {}}}}
BODY_METHODS = frozenset({"post", "put", "patch"})
HTTP_METHODS = frozenset({"get", "head", "post", "put", "patch", "delete", "options", "trace"})

# Answers no view writes: the middleware and the server in front of Django give them (apps.core.middleware,
# apps.core.surrogates, DRF's throttling, gunicorn), so each operation's own responses never list them.
TOO_LARGE = {
    "description": "The request body is over this route's limit (settings.STEWARD_BODY_LIMITS); "
    '{"detail": "..."} says the limit.',
    "content": ERROR_BODY,
}
URI_TOO_LONG = {
    "description": "The request line is too long. Answered by the web server in front of Django "
    "(gunicorn's limit_request_line, 4094 bytes by default), so its body is that server's, not JSON.",
}
THROTTLED = {
    "description": "Too many requests for this token, user or address: retry after Retry-After seconds.",
    "content": ERROR_BODY,
}
BAD_QUERY = {
    "description": "Invalid input: a message per field or query parameter (e.g. a lone surrogate such as "
    "\\ud800 in any text).",
    "content": ERROR_BODY,
}


def document_transport_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Add 400 (query strings are checked before any view), 413, 414 and 429 to every operation; declare
    that an empty query parameter is accepted (django-filter, the paginators and ``ordering`` read it as absent,
    as HTML forms send unset fields)."""
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in HTTP_METHODS:
                continue
            for parameter in operation.get("parameters", []):
                # Not for lists (?status=a&status=b): an empty item there is an invalid choice.
                if parameter.get("in") == "query" and parameter.get("schema", {}).get("type") != "array":
                    parameter["allowEmptyValue"] = True
            responses = operation.setdefault("responses", {})
            responses.setdefault("400", BAD_QUERY)
            if method in BODY_METHODS:
                responses.setdefault("413", TOO_LARGE)
            responses.setdefault("414", URI_TOO_LONG)
            responses.setdefault("429", THROTTLED)
            operation["responses"] = dict(sorted(responses.items()))
    return result
