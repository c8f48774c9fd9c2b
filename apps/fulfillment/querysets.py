from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from apps.fulfillment.models import ServiceRequest  # noqa: F401  # named in the base class's string


class ServiceRequestQuerySet(models.QuerySet["ServiceRequest"]):
    def visible_to(self, user: Any) -> ServiceRequestQuerySet:
        """Requests ``user`` may see.

        A person sees what they filed, were requested for or watch. Agents see their teams' requests;
        managers see the requests of the teams they manage and those waiting for their approval.
        """
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        watched = self.model.watchers.through.objects.filter(user_id=user.pk).values("servicerequest_id")
        # Managers see their team's requests and those of their primary-team members (the
        # "requester's manager" approver, apps.fulfillment.permissions.is_approver), role or not.
        own = (
            Q(requester=user)
            | Q(requested_for=user)
            | Q(pk__in=models.Subquery(watched))
            | Q(team__manager=user)
            | Q(requester__primary_team__manager=user)
        )
        if user.has_perm("fulfillment.work_servicerequest"):
            own |= Q(team__in=models.Subquery(user.memberships.values("team_id")))
        if user.has_perm("fulfillment.approve_servicerequest"):
            own |= Q(item__approval_team__in=models.Subquery(user.memberships.values("team_id")))
        return self.filter(own)
