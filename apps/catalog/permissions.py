"""Who may open which part of the catalog: hidden (outside the audience, retired) answers 404, as elsewhere."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.shortcuts import get_object_or_404

from apps.accounts.models import User
from apps.catalog.models import CatalogItem, Service
from apps.catalog.selectors import item_queryset_for, service_queryset_for


def get_item_for_user(user: User | AnonymousUser, slug: str) -> CatalogItem:
    """The item, or Http404 when it does not exist or is outside the user's audience."""
    return get_object_or_404(item_queryset_for(user), slug=slug)


def get_service_for_user(user: User | AnonymousUser, slug: str) -> Service:
    """The service, or Http404 when it does not exist or is retired (administrators see retired ones)."""
    return get_object_or_404(service_queryset_for(user), slug=slug)
