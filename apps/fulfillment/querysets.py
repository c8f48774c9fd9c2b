from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

from apps.catalog.choices import ApprovalRule

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from apps.accounts.models import User
    from apps.fulfillment.models import ServiceRequest  # noqa: F401  # named in the base class's string


class ServiceRequestQuerySet(models.QuerySet["ServiceRequest"]):
    def visible_to(self, user: User | AnonymousUser) -> ServiceRequestQuerySet:
        """Requests ``user`` may see: the rule of the README's roles table, which tests/authz enforces.

        A person sees what they filed, were requested for or watch. Agents see their teams' requests;
        a team's manager sees the requests that team fulfils; approvers see the requests they decide
        (``approver_q``). Nothing else: being a requester's manager shows only what needs that approval.
        """
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        watched = self.model.watchers.through.objects.filter(user_id=user.pk).values("servicerequest_id")
        own = Q(requester=user) | Q(requested_for=user) | Q(pk__in=models.Subquery(watched)) | Q(team__manager=user)
        if user.has_perm("fulfillment.work_servicerequest"):
            own |= Q(team__in=models.Subquery(user.memberships.values("team_id")))
        return self.filter(own | approver_q(user))


def approver_q(user: User) -> Q:
    """The requests ``user`` decides or decided, whatever their status now (apps.fulfillment.permissions.is_approver
    in SQL): items needing the requester's manager, filed by someone whose primary team ``user`` manages, and
    items needing a team's approval, for members of that team with the approve permission."""
    rule = Q(item__approval_rule=ApprovalRule.REQUESTER_MANAGER, requester__primary_team__manager=user)
    if user.has_perm("fulfillment.approve_servicerequest"):
        teams = models.Subquery(user.memberships.values("team_id"))
        rule |= Q(item__approval_rule=ApprovalRule.TEAM, item__approval_team__in=teams)
    return rule
