"""Reads of people, teams and tokens."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from apps.accounts.models import ApiToken, Membership, Team, User
from apps.core.precompiled import Precompiled

SEARCH_MAX_LENGTH = 100
# Where team_ids_for keeps its answer on the user object; no other code reads or writes it.
_TEAM_IDS_CACHE = "_accounts_team_ids"


def _terms(query: str) -> list[str]:
    return query.strip()[:SEARCH_MAX_LENGTH].split()


def user_search(*, query: str, limit: int = 10) -> QuerySet[User]:
    """Active people (not service accounts) whose name, user name or email contains every word of ``query``."""
    terms = _terms(query)
    if not terms:
        return User.objects.none()
    users = User.objects.filter(is_active=True, is_service_account=False)
    for term in terms:
        users = users.filter(
            Q(username__icontains=term)
            | Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
            | Q(email__icontains=term)
        )
    return users.order_by("username")[:limit]


def team_search(*, query: str, limit: int = 10, joinable_only: bool = False) -> QuerySet[Team]:
    """Teams whose name or slug contains every word of ``query``; only joinable ones if asked."""
    terms = _terms(query)
    if not terms:
        return Team.objects.none()
    teams = Team.objects.filter(joinable=True) if joinable_only else Team.objects.all()
    for term in terms:
        teams = teams.filter(Q(name__icontains=term) | Q(slug__icontains=term))
    return teams.order_by("name")[:limit]


def token_list_for(user: User) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first, revoked and expired ones included."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def get_token_for_user(user: User, pk: int | str) -> ApiToken:
    """One of the user's own tokens; anyone else's answers 404."""
    return get_object_or_404(token_list_for(user), pk=pk)


def user_teams(user: User) -> QuerySet[Team]:
    return user.teams.order_by("name")


def user_role_names(user: User) -> list[str]:
    """The user's role groups, by name, e.g. ["Agents"]."""
    return list(user.groups.order_by("name").values_list("name", flat=True))


@dataclass(frozen=True)
class TeamIds:
    """The teams a user belongs to (``member``) and those they manage (``managed``), as ids."""

    member: frozenset[int]
    managed: frozenset[int]


NO_TEAMS = TeamIds(member=frozenset(), managed=frozenset())


def _team_rows_build(key: None, *, user_id: int) -> QuerySet[Any]:
    member = Exists(Membership.objects.filter(team_id=OuterRef("pk"), user_id=user_id))
    return (
        Team.objects.filter(Q(manager_id=user_id) | member)
        .annotate(member=member)
        .values_list("pk", "manager_id", "member")
    )


_TEAM_ROWS = Precompiled(_team_rows_build)  # read on most pages: compiled once (apps.core.precompiled)


def team_ids_for(user: User | AnonymousUser) -> TeamIds:
    """``user``'s team ids, read in one query and then kept on the user object for the rest of the request.

    Permission checks on every row of a list (apps.fulfillment.permissions) and the queue's team filter
    (apps.fulfillment.selectors.queue) share this answer, so a page reads memberships once. A user object
    lives for one request; a membership change shows on the next one.
    """
    if not isinstance(user, User) or user.pk is None:
        return NO_TEAMS
    cached = getattr(user, _TEAM_IDS_CACHE, None)
    if isinstance(cached, TeamIds):
        return cached
    rows = list(_TEAM_ROWS(None, user_id=user.pk))
    ids = TeamIds(
        member=frozenset(pk for pk, _, is_member in rows if is_member),
        managed=frozenset(pk for pk, manager_id, _ in rows if manager_id == user.pk),
    )
    setattr(user, _TEAM_IDS_CACHE, ids)
    return ids
