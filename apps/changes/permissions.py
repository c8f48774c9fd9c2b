"""Who may see, open, edit and approve changes (hidden -> 404, read-only -> 403)."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from apps.accounts.models import User
from apps.accounts.selectors import team_ids_for
from apps.catalog.models import Service
from apps.changes.choices import EDITABLE_STATUSES
from apps.changes.models import Change, parse_number
from apps.changes.selectors import change_detail_queryset_for, change_for_gate, change_queryset_for


def team_ids(user: User | AnonymousUser) -> frozenset[int]:
    """Teams ``user`` acts for: the teams they belong to (accounts.selectors.team_ids_for, read once per
    request) and, for a service account, its owner team. Teams a person only manages do not count, as in
    ChangeQuerySet.visible_to, which can_see_change must agree with."""
    member = team_ids_for(user).member
    if isinstance(user, User) and user.owner_team_id is not None:
        return member | {user.owner_team_id}
    return member


def is_staff_role(user: User | AnonymousUser) -> bool:
    return bool(user.is_superuser or user.has_perm("changes.view_all_changes"))


def is_change_manager(user: User | AnonymousUser) -> bool:
    return bool(user.is_superuser or user.has_perm("changes.manage_changes"))


def can_open_change(user: User, services: Iterable[Service]) -> bool:
    """Staff roles open changes on any service; others only on services their teams own (read first: a pipeline's
    account owns its services, and its team ids cost less than the permission read)."""
    services = list(services)
    if user.owner_team_id is not None and all(s.owner_team_id == user.owner_team_id for s in services):
        return True  # a service account on its own team's services (team_ids counts that team): nothing to read
    mine = team_ids(user)
    return all(service.owner_team_id in mine for service in services) or is_staff_role(user)


def owner_team_ids(change: Change) -> frozenset[int]:
    return frozenset(service.owner_team_id for service in change.services.all())


def can_edit_change(user: User, change: Change) -> bool:
    """The requester (a person), owner-team members and managers, while the change is not running or closed."""
    if change.status not in EDITABLE_STATUSES:
        return False
    if change.requester_id == user.pk and not user.is_service_account:
        return True
    return is_change_manager(user) or not owner_team_ids(change).isdisjoint(team_ids(user))


def can_report_outcome(user: User, change: Change) -> bool:
    """The requester (a pipeline's service account included), owner-team members and managers: the people who
    deploy. Staff roles that only read every change may not write its deployment history."""
    if change.requester_id == user.pk or is_change_manager(user):
        return True
    return not owner_team_ids(change).isdisjoint(team_ids(user))


def can_see_change(user: User, change: Change) -> bool:
    """What ChangeQuerySet.visible_to says, on a change already read (its services prefetched)."""
    if change.requester_id == user.pk:
        return True
    owners = owner_team_ids(change)
    if isinstance(user, User) and user.owner_team_id in owners:
        return True  # a service account of an owner team (team_ids counts it): no membership to read
    return not owners.isdisjoint(team_ids(user)) or is_staff_role(user)


def get_change_for_gate(user: User, number: str, *, token_id: int | None = None) -> Change:
    """The gate's lookup: one query (selectors.change_for_gate; ``token_id``: a remembered token to check in it),
    visibility checked on it in the order that costs a pipeline nothing (its own change) and staff the
    permission read last."""
    pk = parse_number(number)
    change = change_for_gate(pk, token_id=token_id) if pk is not None else None
    if change is None or not can_see_change(user, change):
        raise Http404("No such change.")
    return change


def get_change_for_user(user: User, number: str, *, for_edit: bool = False, detail: bool = False) -> Change:
    """The change behind ``number`` if ``user`` may see it (else 404); ``for_edit`` also needs edit rights (403)."""
    pk = parse_number(number)
    if pk is None:
        raise Http404("No such change.")
    queryset = change_detail_queryset_for(user) if detail else change_queryset_for(user)
    change = get_object_or_404(queryset, pk=pk)
    if for_edit and not can_edit_change(user, change):
        raise PermissionDenied("You may read this change but not change it.")
    return change
