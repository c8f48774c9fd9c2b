"""Reads for the approvals pages: the requests waiting for one approver's decision."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet, Subquery

from apps.accounts.models import User
from apps.catalog.choices import ApprovalRule
from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.models import ServiceRequest
from apps.fulfillment.selectors.requests import LIST_RELATED

APPROVE_PERM = "fulfillment.approve_servicerequest"


def approval_inbox_queryset(user: User | AnonymousUser) -> QuerySet[ServiceRequest]:
    """Requests awaiting approval that ``user`` may decide, oldest first.

    The SQL twin of apps.fulfillment.permissions.is_approver (the rule itself): the requester's
    primary-team manager for "requester_manager" items, a member with the approve permission of the
    item's approval team for "team" items, superusers for all; never one's own request. Views still
    check each decision with permissions.can_transition, so a drift here can hide rows but never grant.
    """
    awaiting = ServiceRequest.objects.filter(status=RequestStatus.AWAITING_APPROVAL).select_related(*LIST_RELATED)
    if not user.is_authenticated:
        return awaiting.none()
    awaiting = awaiting.exclude(requester_id=user.pk).order_by("created_at", "id")
    if user.is_superuser:
        return awaiting
    mine = Q(item__approval_rule=ApprovalRule.REQUESTER_MANAGER, requester__primary_team__manager_id=user.pk)
    if user.has_perm(APPROVE_PERM):
        teams = Subquery(user.memberships.values("team_id"))
        mine |= Q(item__approval_rule=ApprovalRule.TEAM, item__approval_team__in=teams)
    return awaiting.filter(mine)


def approvers_for(sr: ServiceRequest) -> list[Any]:
    """The active people with an email who may decide ``sr`` (reminders go to them); never its requester."""
    users = get_user_model().objects.filter(is_active=True, is_service_account=False).exclude(email="")
    rule = sr.item.approval_rule
    if rule == ApprovalRule.REQUESTER_MANAGER:
        primary = sr.requester.primary_team
        if primary is None or primary.manager_id is None:
            return []
        users = users.filter(pk=primary.manager_id)
    elif rule == ApprovalRule.TEAM and sr.item.approval_team_id is not None:
        users = users.filter(memberships__team_id=sr.item.approval_team_id)
        # has_perm checks groups, direct permissions and superuser status in one place.
        return [u for u in users.exclude(pk=sr.requester_id) if u.has_perm(APPROVE_PERM)]
    else:
        return []
    return list(users.exclude(pk=sr.requester_id))
