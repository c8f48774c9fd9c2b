"""Lone UTF-16 surrogates (U+D800 to U+DFFF) in input: refused with a 400 and a message per field, everywhere.

Python strings may hold them (JSON's ``"\\ud800"`` escape, or form data declared in a charset such as UTF-7),
but they cannot be encoded to UTF-8: the database driver, the JSON renderer and every template fail on them
with a UnicodeEncodeError, a 500. This module is the one check, applied at each entry:

* JSON bodies of the API (its only body type): apps.core.api.parsers.SafeJSONParser;
* query strings (filters, cursors, search) of every URL: SurrogateQueryStringMiddleware, since Django decodes
  them in whatever charset the request's Content-Type names;
* forms: SurrogateSafeFormMixin puts the error at the field. HTML form bodies cannot carry a surrogate (Django
  5.2 refuses urlencoded bodies that are not UTF-8 with a 400 and decodes multipart as UTF-8), but the request
  form (apps.catalog.formdefs.RequestForm) also checks answers that services receive from any other caller.

DRF's CharField refuses them too (ProhibitSurrogateCharactersValidator); MESSAGE is worded like its message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.datastructures import MultiValueDict

LONE_SURROGATE = re.compile("[\ud800-\udfff]")
MESSAGE = "Surrogate characters (U+D800 to U+DFFF) are not allowed in text."
NON_FIELD = "non_field_errors"
MAX_DEPTH = 200  # deeper JSON is refused by SafeJSONParser's RecursionError guard before this is reached


def has_lone_surrogate(value: Any, depth: int = 0) -> bool:
    """Whether ``value`` (a string, or JSON-like lists and mappings of them, keys included) holds a surrogate."""
    if isinstance(value, str):
        return LONE_SURROGATE.search(value) is not None
    if depth > MAX_DEPTH:
        return False
    if isinstance(value, Mapping):
        return any(
            has_lone_surrogate(key, depth + 1) or has_lone_surrogate(item, depth + 1) for key, item in value.items()
        )
    if isinstance(value, list | tuple):
        return any(has_lone_surrogate(item, depth + 1) for item in value)
    return False


def _items(data: Mapping[str, Any]) -> Iterable[tuple[str, Any]]:
    if isinstance(data, MultiValueDict):
        return ((key, data.getlist(key)) for key in data)
    return data.items()


def surrogate_errors(data: Any) -> dict[str, list[str]]:
    """``{field: [MESSAGE]}`` for each top-level field whose name or value holds a surrogate (else ``{}``).

    A field whose very name holds one is reported under non_field_errors: the name cannot be echoed back.
    """
    if not isinstance(data, Mapping):
        return {NON_FIELD: [MESSAGE]} if has_lone_surrogate(data) else {}
    errors: dict[str, list[str]] = {}
    for key, value in _items(data):
        if has_lone_surrogate(key):
            errors[NON_FIELD] = [MESSAGE]
        elif has_lone_surrogate(value):
            errors[str(key)] = [MESSAGE]
    return errors


class SurrogateSafeFormMixin(forms.BaseForm):
    """A form that answers a surrogate with an error on its field instead of passing it to the field's clean.

    The offending values are dropped from the bound data as the form is built, so neither a clean() that
    looks the value up (user and team pickers, RequestForm's show_if rules) nor the re-rendered form ever sees them.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spoiled_fields = [
            name
            for name, field in self.fields.items()
            if self.is_bound
            and has_lone_surrogate(field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name)))
        ]
        if self.spoiled_fields:
            self.data = _without(self.data, [self.add_prefix(name) for name in self.spoiled_fields])

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.spoiled_fields:
            self.errors.pop(name, None)  # "This field is required." would only confuse: it was filled in
            self.add_error(name, forms.ValidationError(MESSAGE, code="surrogates"))


def _without(data: Any, html_names: list[str]) -> Any:
    """A copy of ``data`` lacking these names."""
    copy = data.copy()
    for name in html_names:
        copy.pop(name, None)
    return copy


class SurrogateQueryStringMiddleware:
    """Answers 400 for a query string holding a surrogate, before any view, filter or paginator reads it.

    API paths get the API's JSON error shape (a message per parameter); pages get a plain 400.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        errors = surrogate_errors(request.GET)
        if not errors:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse(errors, status=400)
        return HttpResponseBadRequest(f"{MESSAGE} Parameters: {', '.join(sorted(errors))}.", content_type="text/plain")
