"""How people are shown: one display name (full name, else username) with the username on hover.

Every page that shows a person goes through ``person_html`` (the ``|person`` template filter in
apps/accounts/templatetags/people.py, the ``person`` helper of the Jinja2 queue rows); emails and plain
texts through ``display_name``. tests/accounts/test_display_names.py checks the templates use them.
"""

from __future__ import annotations

from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString


def name_of(username: str | None, first_name: str | None = "", last_name: str | None = "") -> str:
    """``"Ada Lovelace"``, or the username when the person has no name (User.__str__'s rule, from columns)."""
    full = f"{first_name or ''} {last_name or ''}".strip()
    return full or (username or "")


def display_name(user: Any) -> str:
    """The name people read for ``user`` (a User, or None: empty)."""
    if user is None:
        return ""
    return name_of(getattr(user, "username", ""), getattr(user, "first_name", ""), getattr(user, "last_name", ""))


def person_html(username: str | None, first_name: str | None = "", last_name: str | None = "") -> SafeString:
    """The display name in a span whose title is the username (escaped)."""
    return format_html(
        '<span class="person" title="{}">{}</span>', username or "", name_of(username, first_name, last_name)
    )


def person_of(user: Any, default: str = "") -> SafeString | str:
    """``person_html`` for a User; ``default`` (e.g. "Steward" for the system) when there is none."""
    if user is None or user == "":
        return default
    return person_html(getattr(user, "username", ""), getattr(user, "first_name", ""), getattr(user, "last_name", ""))
