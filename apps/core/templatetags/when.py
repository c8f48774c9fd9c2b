"""``{{ value|when }}``: a time in the viewer's zone, zone named (apps.core.timetext.DATETIME_FORMAT);
``{{ value|ago }}``: relative (``3 h ago``) with the exact time on hover; ``{{ value|when_text }}`` for emails."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.safestring import SafeString

from apps.core.timetext import local_text, time_html

register = template.Library()


@register.filter
def when(value: dt.datetime | None) -> SafeString | str:
    return time_html(value) if isinstance(value, dt.datetime) else ""


@register.filter
def ago(value: dt.datetime | None) -> SafeString | str:
    return time_html(value, relative=True) if isinstance(value, dt.datetime) else ""


@register.filter
def when_text(value: dt.datetime | None) -> str:
    return local_text(value) if isinstance(value, dt.datetime) else ""
