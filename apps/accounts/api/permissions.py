"""API permissions by token scope.

Every endpoint declares the scope it needs: ``permission_classes = [IsAuthenticated, HasScope("requests")]``.
Session-authenticated requests (``request.auth is None``) pass: a person in the browser has all of their
own rights. Token requests need the scope, and for unsafe methods a read-write token. Scopes do not imply
each other: an ``admin`` token does not carry ``requests``.
"""

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from apps.accounts.choices import TokenAccess
from apps.accounts.models import ApiToken
from apps.accounts.permissions import token_has_scope


def HasScope(scope: str) -> type[BasePermission]:  # noqa: N802  # a class factory, named like the class it returns
    """A DRF permission class that requires ``scope`` on token requests (see the module docstring)."""

    class _HasScope(BasePermission):
        message = f'This token does not have the "{scope}" scope.'

        def has_permission(self, request: Request, view: Any) -> bool:
            token = request.auth
            if token is None:
                return True
            if not isinstance(token, ApiToken):
                return False
            if scope not in (token.scopes or []):
                self.message = f'This token does not have the "{scope}" scope.'
                return False
            if request.method not in SAFE_METHODS and not token_has_scope(token, scope, write=True):
                self.message = f'This token is read-only: {request.method} needs a read-write token with "{scope}".'
                return False
            return True

    _HasScope.__name__ = _HasScope.__qualname__ = f"HasScope_{scope}"
    return _HasScope


class CanManageOwnTokens(BasePermission):
    """Listing one's tokens needs a session or any token; creating and revoking need a session or a
    read-write token (with any scope). Which scopes a token may mint is checked by the serializer."""

    message = "Managing tokens with a token needs a read-write token."

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if token is None or request.method in SAFE_METHODS:
            return True
        return isinstance(token, ApiToken) and token.access == TokenAccess.WRITE
