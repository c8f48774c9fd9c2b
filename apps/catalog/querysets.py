from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

from apps.catalog.choices import Audience, ItemStatus, ServiceStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from apps.accounts.models import User
    from apps.catalog.models import CatalogItem, Service  # noqa: F401  # named in the QuerySet["..."] bases for mypy


class CatalogItemQuerySet(models.QuerySet["CatalogItem"]):
    def visible_to(self, user: User | AnonymousUser) -> CatalogItemQuerySet:
        """Published items whose audience includes ``user``; administrators also see drafts."""
        if user.is_superuser:
            return self
        if not user.is_authenticated:
            return self.none()
        qs = self.filter(status=ItemStatus.PUBLISHED).exclude(service__status=ServiceStatus.RETIRED)
        in_audience = Q(audience=Audience.EVERYONE) | Q(
            audience=Audience.TEAMS, audience_teams__in=models.Subquery(user.memberships.values("team_id"))
        )
        return qs.filter(in_audience).distinct()


class ServiceQuerySet(models.QuerySet["Service"]):
    def visible_to(self, user: User | AnonymousUser) -> ServiceQuerySet:
        """Services are public to every signed-in user; retired ones only to administrators."""
        if user.is_superuser:
            return self
        if not user.is_authenticated:
            return self.none()
        return self.exclude(status=ServiceStatus.RETIRED)
