"""``{{ user|person }}``: a person as every page shows them (display name, username on hover);
``{{ user|person:"Steward" }}`` names who acted when nobody did; ``{{ user|person_text }}`` for emails."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from apps.accounts.display import display_name, person_html, person_of

register = template.Library()


@register.filter
def person(user: Any, default: str = "") -> SafeString | str:
    return person_of(user, default)


@register.filter
def person_text(user: Any, default: str = "") -> str:
    return display_name(user) or default


@register.filter
def person_named(name: str, username: str = "") -> SafeString | str:
    """A name already written (e.g. an approval inbox row's "Ada (for Bob)") with ``username`` on hover."""
    return person_html(username, name) if username else name
