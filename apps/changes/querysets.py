from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from apps.changes.models import Change  # noqa: F401  # named in the base class's string


def user_team_ids(user: Any) -> models.QuerySet[Any]:
    """The teams a user belongs to as a subquery; a service account belongs to its owner team."""
    from apps.accounts.models import Team  # the model module imports this one

    return Team.objects.filter(Q(memberships__user_id=user.pk) | Q(service_accounts__pk=user.pk)).values("pk")


class ChangeQuerySet(models.QuerySet["Change"]):
    def visible_to(self, user: Any) -> ChangeQuerySet:
        """Changes ``user`` may see: staff roles see all; others what they requested or their teams own."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser or user.has_perm("changes.view_all_changes"):
            return self
        owned = self.model.services.through.objects.filter(service__owner_team__in=user_team_ids(user))
        return self.filter(Q(requester_id=user.pk) | Q(pk__in=owned.values("change_id")))
