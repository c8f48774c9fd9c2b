"""Filters shared by every app's FilterSet."""

from typing import Any, ClassVar, cast

import django_filters
from django import forms
from django_filters.filters import QuerySetRequestMixin
from drf_spectacular.utils import extend_schema_field

MAX_ID = 2**63 - 1  # a bigint primary key; larger numbers overflow SQLite's INTEGER (a 500, not a 400)


# The schema states the bounds the filter enforces, so generated clients (and schemathesis) know 0 is refused.
@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """A primary-key filter (``<field>_id``): whole numbers from 1 to the bigint maximum, else a 400."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.setdefault("decimal_places", 0)
        super().__init__(*args, **kwargs)


class FormOnceFilterSet(django_filters.FilterSet):
    """A FilterSet whose form class is built once per FilterSet class, not once per request.

    django-filter builds it on every request: a form field per filter, then a new class with ``type()``, whose
    fields the form deep-copies again; a few milliseconds on every list page. Built once, each request only
    pays the form's own copy. A field whose queryset depends on the request (a filter with a callable
    ``queryset``, e.g. what the user may see) keeps an empty queryset in the shared class and gets the
    request's own in every form, so no user's choices outlive their request. ``prepare_form_class`` adjusts
    the shared fields (widget attributes) once.
    """

    _form_class_once: ClassVar[type[forms.Form] | None] = None

    def get_form_class(self) -> type[forms.Form]:
        cls = type(self)
        form_class: type[forms.Form] | None = cls.__dict__.get("_form_class_once")  # this class's, not a parent's
        if form_class is None:
            form_class = super().get_form_class()
            for name in self._per_request_querysets():
                field = cast(forms.ModelChoiceField, form_class.base_fields[name])
                field.queryset = field.queryset.none() if field.queryset is not None else None
            self.prepare_form_class(form_class)
            cls._form_class_once = form_class
        return form_class

    @property
    def form(self) -> forms.Form:
        built = hasattr(self, "_form")  # django-filter's property builds the form on first access, then keeps it
        form = super().form
        if not built:
            for name in self._per_request_querysets():
                field = cast(forms.ModelChoiceField, form.fields[name])
                filter_ = cast(QuerySetRequestMixin, self.filters[name])  # _per_request_querysets checked the type
                field.queryset = filter_.get_queryset(self.request)
        return form

    def prepare_form_class(self, form_class: type[forms.Form]) -> None:
        """Adjust the shared fields of the form class once (subclasses)."""

    def _per_request_querysets(self) -> list[str]:
        return [
            name
            for name, filter_ in self.filters.items()
            if isinstance(filter_, QuerySetRequestMixin) and callable(filter_.queryset)
        ]
