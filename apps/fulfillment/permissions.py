"""Who may see and do what on a service request (hidden -> 404, read-only -> 403)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.selectors import team_ids_for
from apps.catalog.choices import ApprovalRule
from apps.fulfillment.choices import OPEN_STATUSES, TRANSITIONS, RequestStatus
from apps.fulfillment.models import ServiceRequest, parse_number
from apps.fulfillment.selectors import request_queryset_for
from apps.fulfillment.selectors.requests import request_detail_get_for, viewer_teams

S = RequestStatus

# Moves the fulfilling team makes (agents of request.team, and superusers); the table of what is
# legal at all is choices.TRANSITIONS, these pairs only say which of them is "work".
WORK_MOVES = frozenset(
    {
        (S.NEW, S.IN_PROGRESS),
        (S.APPROVED, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.ON_HOLD),
        (S.ON_HOLD, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.FULFILLED),
        (S.IN_PROGRESS, S.FAILED),
        (S.FAILED, S.IN_PROGRESS),
        (S.FULFILLED, S.CLOSED),
    }
)
APPROVAL_MOVES = frozenset({(S.AWAITING_APPROVAL, S.APPROVED), (S.AWAITING_APPROVAL, S.REJECTED)})
REOPEN_MOVE = (S.FULFILLED, S.IN_PROGRESS)


def team_ids(user: User | AnonymousUser) -> frozenset[int]:
    """The ids of the teams ``user`` belongs to, read once per request (accounts.selectors.team_ids_for)."""
    return team_ids_for(user).member


def in_team(user: User | AnonymousUser, sr: ServiceRequest, team_id: int | None) -> bool:
    """Whether ``user`` belongs to team ``team_id`` (the team or approval team of ``sr``): from the membership
    flags loaded with ``sr`` for this user (``get_request_for_user(..., detail=True)``), else ``team_ids``."""
    if team_id is None:
        return False
    loaded = viewer_teams(sr, user)
    if loaded is not None and team_id in loaded:
        return loaded[team_id]
    return team_id in team_ids(user)


def is_requester(user: User | AnonymousUser, sr: ServiceRequest) -> bool:
    return user.pk is not None and user.pk in (sr.requester_id, sr.requested_for_id)


def is_agent_of(user: User | AnonymousUser, sr: ServiceRequest) -> bool:
    """An agent of the request's team (work permission + membership), or a superuser."""
    if user.is_superuser:
        return True
    return user.has_perm("fulfillment.work_servicerequest") and in_team(user, sr, sr.team_id)


def is_approver(user: User | AnonymousUser, sr: ServiceRequest) -> bool:
    """Who decides an approval; never the person who filed the request."""
    if user.pk == sr.requester_id:
        return False
    if user.is_superuser:
        return True
    rule = sr.item.approval_rule
    if rule == ApprovalRule.REQUESTER_MANAGER:
        primary = sr.requester.primary_team
        return primary is not None and primary.manager_id == user.pk
    if rule == ApprovalRule.TEAM:
        return user.has_perm("fulfillment.approve_servicerequest") and in_team(user, sr, sr.item.approval_team_id)
    return False


def reopen_deadline(sr: ServiceRequest) -> dt.datetime | None:
    if sr.fulfilled_at is None:
        return None
    return sr.fulfilled_at + dt.timedelta(days=settings.STEWARD_AUTO_CLOSE_DAYS)


def can_transition(user: User | AnonymousUser, sr: ServiceRequest, to: str) -> bool:
    """Whether ``user`` may move ``sr`` to ``to`` now; legality itself comes from TRANSITIONS."""
    move = (sr.status, to)
    if to not in TRANSITIONS.get(sr.status, frozenset()):
        return False
    if to == S.CANCELLED:
        return sr.status in OPEN_STATUSES and (is_requester(user, sr) or user.is_superuser)
    if move in APPROVAL_MOVES:
        return is_approver(user, sr)
    if move == REOPEN_MOVE and (is_requester(user, sr) or user.is_superuser):
        deadline = reopen_deadline(sr)
        return deadline is not None and timezone.now() <= deadline
    if move in WORK_MOVES and move != REOPEN_MOVE:
        return is_agent_of(user, sr)
    return False


def allowed_transitions(user: User | AnonymousUser, sr: ServiceRequest) -> list[str]:
    """The statuses ``user`` may move ``sr`` to, in the order of RequestStatus."""
    targets = TRANSITIONS.get(sr.status, frozenset())
    return [s for s in S.values if s in targets and can_transition(user, sr, s)]


def can_edit_request(user: User | AnonymousUser, sr: ServiceRequest) -> bool:
    """Participants (requester, requested for, the team's agents) may attach files and manage watchers."""
    return is_requester(user, sr) or is_agent_of(user, sr)


def can_comment(user: User | AnonymousUser, sr: ServiceRequest, *, internal: bool = False) -> bool:
    """Anyone who sees a request may comment publicly; internal notes are for the fulfilling team."""
    if internal:
        return is_agent_of(user, sr)
    return True


def can_see_internal(user: User | AnonymousUser, sr: ServiceRequest) -> bool:
    return is_agent_of(user, sr)


def can_remove_watcher(user: User | AnonymousUser, sr: ServiceRequest, watcher: User) -> bool:
    return watcher.pk == user.pk or can_edit_request(user, sr)


def can_work(user: User | AnonymousUser, sr: ServiceRequest) -> bool:
    """Priority and assignment belong to the fulfilling team."""
    return is_agent_of(user, sr)


def get_request_for_user(
    user: User | AnonymousUser, number: str, *, for_edit: bool = False, detail: bool = False
) -> ServiceRequest:
    """The request behind ``number`` if ``user`` may see it (else 404); ``for_edit`` also needs edit rights (403).

    ``detail``: in the same query, also what the request page shows and the user's membership of its teams
    (apps.fulfillment.selectors.requests.request_detail_get_for).
    """
    pk = parse_number(number)
    if pk is None:
        raise Http404("No such request.")
    sr = request_detail_get_for(user, pk) if detail else get_object_or_404(request_queryset_for(user), pk=pk)
    if sr is None:
        raise Http404("No such request.")
    if for_edit and not can_edit_request(user, sr):
        raise PermissionDenied("You may read this request but not change it.")
    return sr
