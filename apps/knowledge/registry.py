"""Things of other apps that articles can be linked to (a service request, later an incident or a change).

Knowledge imports none of those apps (tests/test_layers.py): the owner of a subject type registers, from its
AppConfig.ready, how to find a subject for a user and who may link articles to it. The link panel
(apps.knowledge.views.link_panel) asks here and nowhere else, so a subject nobody registered answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import Http404

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from apps.accounts.models import User


@dataclass(frozen=True)
class LinkSubject:
    """How knowledge reaches one subject type.

    - ``get_for_user(user, subject_id)``: the subject if ``user`` may see it, else raise Http404;
    - ``can_link(user, subject)``: whether ``user`` may link and unlink articles and insert them into replies;
    - ``reply_field``: the id of the page's reply textarea that "Insert and link" fills (views.link_answer,
      static/js/knowledge-link.js).
    """

    get_for_user: Callable[[User | AnonymousUser, str], Any]
    can_link: Callable[[User | AnonymousUser, Any], bool]
    reply_field: str = "id_body"


_SUBJECTS: dict[str, LinkSubject] = {}


def register_link_subject(
    subject_type: str,
    *,
    get_for_user: Callable[[User | AnonymousUser, str], Any],
    can_link: Callable[[User | AnonymousUser, Any], bool],
    reply_field: str = "id_body",
) -> None:
    """Register (or replace) ``subject_type`` (``app_label.model``); its app calls this when ready."""
    _SUBJECTS[subject_type] = LinkSubject(get_for_user=get_for_user, can_link=can_link, reply_field=reply_field)


def get_link_subject(user: User | AnonymousUser, subject_type: str, subject_id: str) -> tuple[LinkSubject, Any]:
    """The registration and the subject for ``user``; Http404 when the type is unknown or the subject hidden."""
    handler = _SUBJECTS.get(subject_type)
    if handler is None:
        raise Http404("Articles cannot be linked to this.")
    return handler, handler.get_for_user(user, subject_id)
