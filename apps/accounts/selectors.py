"""Reads of people, teams and tokens."""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from apps.accounts.models import ApiToken, Team, User

SEARCH_MAX_LENGTH = 100


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
