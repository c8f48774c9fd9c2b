"""Permissions shared by the whole API."""

from typing import Any

from django.conf import settings
from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class ApiDocsPermission(BasePermission):
    """The OpenAPI schema and docs: signed-in callers (session or token) only, unless STEWARD_API_DOCS_PUBLIC.

    Read on every call, not at import, so that the setting can change without reloading the URLconf.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        if settings.STEWARD_API_DOCS_PUBLIC:
            return True
        return bool(request.user and request.user.is_authenticated)
