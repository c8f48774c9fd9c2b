"""``join-team``: make the subject's beneficiary a member of the joinable team named by the form."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from apps.accounts.models import Team, User
from apps.accounts.services import team_join
from apps.automation.registry import Action, ActionError, ActionResult, Subject, register


@register
class JoinTeamAction(Action):
    """params: ``{"answers": {"team": "<slug>"}, "user": "<username>"}``; joining twice is harmless."""

    name = "join-team"
    label = "Add the requester to a joinable team"
    required_fields = {"team": {"team"}}
    idempotent = True  # team_join on a member changes nothing
    calls_out = False  # one write to Steward's own database, in the same place as the run

    def run(self, *, params: dict[str, Any], subject: Subject, config: dict[str, Any]) -> ActionResult:
        slug = (params.get("answers") or {}).get("team")
        username = params.get("user")
        team = Team.objects.filter(slug=slug).first() if isinstance(slug, str) else None
        if team is None:
            raise ActionError(f"No team {slug!r}.")
        user = User.objects.filter(username=username, is_active=True).first() if isinstance(username, str) else None
        if user is None:
            raise ActionError(f"No active user {username!r}.")
        try:
            team_join(team=team, user=user, actor=None)
        except ValidationError as exc:
            raise ActionError(" ".join(exc.messages)) from exc
        return ActionResult(
            output={"team": team.slug, "user": user.username, "summary": f"{user.username} is a member of {team.name}."}
        )
