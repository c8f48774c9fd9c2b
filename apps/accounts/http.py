"""The request type of views behind login: ``request.user`` is a Steward user, ``request.htmx`` is set."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework.request import Request

from apps.accounts.models import User
from apps.core.http import HtmxHttpRequest


class AuthedRequest(HtmxHttpRequest):
    """What a ``login_required`` view receives."""

    user: User


def signed_in_user(request: HttpRequest | Request) -> User:
    """The Steward user behind a request that passed ``login_required`` or DRF's ``IsAuthenticated``.

    Typed ``User``, which services take as actor; an anonymous caller that got this far is refused (403).
    """
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Sign in first.")
    return user
