from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

from apps.accounts.models import Team, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from apps.changes.models import Change  # noqa: F401  # named in the base class's string


def user_teams(user: User) -> models.QuerySet[Team]:
    """The teams a user belongs to, for a subquery; a service account belongs to its owner team."""
    return Team.objects.filter(Q(memberships__user_id=user.pk) | Q(service_accounts__pk=user.pk))


class ChangeQuerySet(models.QuerySet["Change"]):
    def visible_to(self, user: User | AnonymousUser) -> ChangeQuerySet:
        """Changes ``user`` may see: staff roles see all; others what they requested or their teams own."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser or user.has_perm("changes.view_all_changes"):
            return self
        owned = self.model.services.through.objects.filter(service__owner_team__in=user_teams(user))
        return self.filter(Q(requester_id=user.pk) | Q(pk__in=owned.values("change_id")))
