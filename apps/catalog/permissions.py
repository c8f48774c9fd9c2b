"""Who may open which part of the catalog: hidden (outside the audience, retired) answers 404, as elsewhere;
the catalog builder is for catalog managers and administrators (anyone else: 403)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from apps.accounts.models import User
from apps.catalog.models import CatalogItem, Service
from apps.catalog.roles import MANAGE_PERMISSION
from apps.catalog.selectors import item_manage_queryset, item_queryset_for, service_queryset_for


def get_item_for_user(user: User | AnonymousUser, slug: str) -> CatalogItem:
    """The item, or Http404 when it does not exist or is outside the user's audience."""
    return get_object_or_404(item_queryset_for(user), slug=slug)


def get_service_for_user(user: User | AnonymousUser, slug: str) -> Service:
    """The service, or Http404 when it does not exist or is retired (administrators see retired ones)."""
    return get_object_or_404(service_queryset_for(user), slug=slug)


def can_manage_catalog(user: User | AnonymousUser) -> bool:
    """Catalog managers (the role's group) and administrators build the catalog: services, items, forms."""
    return user.is_authenticated and user.has_perm(MANAGE_PERMISSION)


def require_catalog_manager(user: User | AnonymousUser) -> None:
    if not can_manage_catalog(user):
        raise PermissionDenied("The catalog builder is for catalog managers.")


def get_item_for_manager(user: User | AnonymousUser, slug: str) -> CatalogItem:
    """Any item (drafts included) for a catalog manager; 403 for anyone else, 404 for an unknown slug."""
    require_catalog_manager(user)
    return get_object_or_404(item_manage_queryset(), slug=slug)


def get_service_for_manager(user: User | AnonymousUser, slug: str) -> Service:
    require_catalog_manager(user)
    return get_object_or_404(Service.objects.select_related("owner_team"), slug=slug)
