"""Filters shared by every app's FilterSet."""

from typing import Any

import django_filters

MAX_ID = 2**63 - 1  # a bigint primary key; larger numbers overflow SQLite's INTEGER (a 500, not a 400)


class IdFilter(django_filters.NumberFilter):
    """A primary-key filter (``<field>_id``): whole numbers from 1 to the bigint maximum, else a 400."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.setdefault("decimal_places", 0)
        super().__init__(*args, **kwargs)
