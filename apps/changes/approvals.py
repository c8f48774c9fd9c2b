"""Changes in the approver's inbox: the changes app's approval provider (apps.approvals.registry).

Who approves what is decided by apps.changes.services.approvals (approver_kind, change_decide). Listing
calls approver_kind's rule once per change and owner team, which would cost queries per row; so the list
evaluates the same rule against the caller's teams and managed teams (one query: accounts.selectors.team_ids_for)
and board membership, read once, plus one query for the changes and two prefetches. The decision itself always
goes through change_decide, so a drift here can only hide a row or list one whose decision is then refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from apps.accounts.models import Team, User
from apps.accounts.selectors import team_ids_for
from apps.approvals.exceptions import ApprovalInvalid, ApprovalNotFound, ApprovalRefused, ApprovalStale
from apps.approvals.registry import ApprovalProvider, Decided, PendingApproval
from apps.catalog.models import Service
from apps.changes.choices import ChangeStatus, ChangeType, Decision, Tier
from apps.changes.exceptions import InvalidTransition, StaleChange
from apps.changes.models import Change, ChangeApproval, parse_number
from apps.changes.permissions import get_change_for_user, team_ids
from apps.changes.selectors import change_queryset_for
from apps.changes.services import change_decide
from apps.changes.services.approvals import approval_blockers, is_board_member

KEY = "changes.change"


@dataclass(frozen=True)
class _Approver:
    """What approver_kind reads of the caller, read once per listing."""

    pk: int
    teams: frozenset[int]  # member of, or (service account) owned by
    managed: frozenset[int]
    board: bool

    @classmethod
    def of(cls, user: User) -> _Approver:
        return cls(user.pk, team_ids(user), team_ids_for(user).managed, is_board_member(user))

    def may_approve(self, change: Change, team: Team) -> bool:
        """apps.changes.services.approvals.approver_kind(...) is not None, without its queries."""
        if self.pk in (change.requester_id, change.ci_actor_id):
            return False
        manages = team.manager_id == self.pk
        if change.type == ChangeType.EMERGENCY:
            return manages if team.manager_id else self.board
        if change.tier == Tier.HIGH:
            return manages or self.board
        return change.tier == Tier.MEDIUM and (manages or team.pk in self.teams)


def _candidates(user: User, me: _Approver) -> QuerySet[Change]:
    """Awaiting changes the caller sees and might approve: a superset that _Approver.may_approve narrows."""
    related = me.teams | me.managed
    owned = Change.services.through.objects.filter(service__owner_team_id__in=related).values("change_id")
    maybe = Q(pk__in=owned)
    if me.board:
        maybe |= Q(tier=Tier.HIGH) | Q(type=ChangeType.EMERGENCY)
    services = Service.objects.select_related("owner_team").order_by("name")
    return (
        change_queryset_for(user)
        .filter(maybe, status=ChangeStatus.AWAITING_APPROVAL)
        .exclude(requester_id=user.pk)
        .exclude(ci_actor_id=user.pk)
        .prefetch_related(
            Prefetch("services", queryset=services),
            Prefetch("approvals", queryset=ChangeApproval.objects.only("change_id", "round", "team_id")),
        )
        .order_by("created_at", "id")
    )


def _my_teams(change: Change, me: _Approver) -> list[Team]:
    """The owner teams whose approval of the current round is missing and the caller may give."""
    done = {a.team_id for a in change.approvals.all() if a.round == change.approval_round}
    teams = {s.owner_team_id: s.owner_team for s in change.services.all() if s.owner_team_id not in done}
    return sorted((t for t in teams.values() if me.may_approve(change, t)), key=lambda t: t.name)


def _pending(change: Change, teams: list[Team]) -> PendingApproval:
    tier = Tier(change.tier).label if change.tier in Tier.values else "Unscored"
    kind = "Emergency change" if change.type == ChangeType.EMERGENCY else f"{tier}-risk change"
    needs = f"{kind}: approval for {', '.join(t.name for t in teams)}"
    blockers = approval_blockers(change)
    if blockers:
        needs += f" (cannot be approved yet: {'; '.join(blockers)})"
    return PendingApproval(
        provider=KEY,
        provider_label="Change",
        key=change.number,
        title=change.title,
        requester=str(change.requester),
        needs=needs,
        since=change.scored_at or change.created_at,
        url=change.get_absolute_url(),
        version=change.version,
    )


def _mine(user: User, *, pk: int | None = None) -> list[PendingApproval]:
    me = _Approver.of(user)
    candidates = _candidates(user, me)
    if pk is not None:
        candidates = candidates.filter(pk=pk)
    found = ((change, _my_teams(change, me)) for change in candidates)
    return sorted((_pending(change, teams) for change, teams in found if teams), key=lambda item: item.since)


def pending_for(user: User, limit: int) -> list[PendingApproval]:
    return _mine(user)[:limit]


def count_for(user: User) -> int:
    return len(_mine(user))


def get(user: User, key: str) -> PendingApproval | None:
    pk = parse_number(key)
    found = _mine(user, pk=pk) if pk is not None else []
    return found[0] if found else None


def _decision(decision: str) -> str:
    return Decision.APPROVED if decision == "approve" else Decision.REJECTED


def decide(user: User, key: str, decision: str, comment: str, version: int | None) -> Decided:
    """services.change_decide, its errors mapped onto the inbox's (apps.approvals.exceptions)."""
    try:
        change = get_change_for_user(user, key)
    except Http404:
        raise ApprovalNotFound("no such change, or not visible to you") from None
    if change.status != ChangeStatus.AWAITING_APPROVAL:
        raise ApprovalStale(f"it is “{change.get_status_display()}”, no longer awaiting approval")
    try:
        change_decide(
            change=change, actor=user, decision=_decision(decision), comment=comment, expected_version=version
        )
    except ValidationError as exc:
        raise ApprovalInvalid.from_validation_error(exc) from exc
    except (StaleChange, InvalidTransition) as exc:
        raise ApprovalStale(str(exc)) from exc
    except PermissionDenied as exc:
        raise ApprovalRefused(str(exc) or "You may not decide this change.") from exc
    change.refresh_from_db(fields=["status", "version"])
    status = ChangeStatus(change.status)
    return Decided(KEY, change.number, change.title, change.get_absolute_url(), status.value, str(status.label))


PROVIDER = ApprovalProvider(
    key=KEY,
    label="Changes",
    key_pattern=r"CHG-[0-9]{1,18}",
    scope="changes",
    pending_for=pending_for,
    count_for=count_for,
    get=get,
    decide=decide,
)
