"""Approval routing: who must approve a change of a given type and tier, and the decisions themselves.

- low (not emergency): approved by policy at once, recorded as such;
- medium: one approval per owner team, by a member (or its manager) who is neither requester nor CI actor,
  with every required check passing;
- high: per owner team, its manager or a member of a change advisory board (a team without a manager falls
  to the board), once test evidence and a rollback plan are attached, required checks passing;
- emergency: per owner team, its manager (without one, a board member) approves at once; a post-implementation
  review is opened and the approval lets the change pass a freeze (recorded).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Membership, Team, User
from apps.changes import conf
from apps.changes.choices import ApprovalKind, ChangeStatus, ChangeType, Decision, Tier, WindowKind
from apps.changes.models import Change, ChangeApproval, ReviewTask
from apps.changes.services.notify import change_notify_approvers, change_notify_decision
from apps.changes.services.state import check_version, move
from apps.changes.windows import window_specs, windows_meeting
from apps.core.businesstime import BusinessCalendar
from apps.core.services import audit_record, insert_with_events

S = ChangeStatus
COMMENT_MAX_CHARS = 5000


def owner_teams(change: Change) -> list[Team]:
    """The distinct owner teams of the change's services, by name."""
    teams = {service.owner_team_id: service.owner_team for service in change.services.all()}
    return sorted(teams.values(), key=lambda team: team.name)


def is_board_member(user: User) -> bool:
    return Membership.objects.filter(user_id=user.pk, team__advisory_board__isnull=False).exists()


def is_member(user: User, team: Team) -> bool:
    return team.manager_id == user.pk or Membership.objects.filter(user_id=user.pk, team_id=team.pk).exists()


def approver_kind(user: User, change: Change, team: Team) -> str | None:
    """The kind of approval ``user`` gives for ``team``'s part of ``change``, or None if they may not."""
    if user.pk in (change.requester_id, change.ci_actor_id):
        return None
    if change.type == ChangeType.EMERGENCY:
        if team.manager_id:
            return ApprovalKind.MANAGER if team.manager_id == user.pk else None
        return ApprovalKind.BOARD if is_board_member(user) else None
    if change.tier == Tier.HIGH:
        if team.manager_id == user.pk:
            return ApprovalKind.MANAGER
        return ApprovalKind.BOARD if is_board_member(user) else None
    if change.tier == Tier.MEDIUM:
        return ApprovalKind.PEER if is_member(user, team) else None
    return None


def who_approves(change: Change, team: Team) -> str:
    """In words: who may approve ``team``'s part of ``change`` (the gate and the change page say this)."""
    manager = team.manager.username if team.manager else None
    if change.type == ChangeType.EMERGENCY:
        return f"the manager of {team.name} ({manager})" if manager else "a member of the change advisory board"
    if change.tier == Tier.HIGH:
        board = "a member of the change advisory board"
        return f"the manager of {team.name} ({manager}) or {board}" if manager else board
    return f"a member of {team.name} other than the requester and the CI actor"


def board_members() -> list[User]:
    return list(User.objects.filter(memberships__team__advisory_board__isnull=False).distinct().order_by("pk"))


def approver_candidates(change: Change, team: Team) -> list[User]:
    """Everyone approver_kind accepts for ``team``'s part of ``change``: the people to tell it waits for them."""
    manager: list[User] = [team.manager] if team.manager is not None else []
    if change.type == ChangeType.EMERGENCY:
        pool = manager or board_members()
    elif change.tier == Tier.HIGH:
        pool = manager + board_members()
    elif change.tier == Tier.MEDIUM:
        pool = manager + list(User.objects.filter(memberships__team=team).order_by("pk"))
    else:
        pool = []
    excluded = {change.requester_id, change.ci_actor_id}
    return [person for person in pool if person.pk not in excluded]


def pending_teams(change: Change) -> list[Team]:
    """Owner teams whose approval of the current round is still missing."""
    done = set(change.approvals.filter(round=change.approval_round).values_list("team_id", flat=True))
    return [team for team in owner_teams(change) if team.pk not in done]


def approval_blockers(change: Change) -> list[str]:
    """What must be fixed before anyone can approve: failing required checks, missing evidence."""
    if change.type == ChangeType.EMERGENCY:
        return []
    blockers = [f"required check “{c['name']}” is not passing" for c in change.checks if not c.get("passed")]
    if change.tier == Tier.HIGH:
        if not change.has_test_evidence:
            blockers.append("test evidence is not attached")
        if not change.rollback_plan.strip():
            blockers.append("there is no rollback plan")
    return blockers


def _move_pipeline_window(change: Change, now: dt.datetime) -> dict[str, Any]:
    """A pipeline change approved after its window started gets its window moved to start now."""
    if not change.by_pipeline or change.planned_start >= now:
        return {}
    return {"planned_start": now, "planned_end": now + (change.planned_end - change.planned_start)}


def _open_review(change: Change, team: Team, now: dt.datetime) -> None:
    holidays = frozenset(team.holidays.values_list("date", flat=True))
    calendar = BusinessCalendar(
        tz=team.timezone,
        workday_start=team.workday_start,
        workday_end=team.workday_end,
        working_days=frozenset(team.working_days),
        holidays=holidays,
    )
    day = dt.datetime.combine(dt.date.min, team.workday_end) - dt.datetime.combine(dt.date.min, team.workday_start)
    due = calendar.add_business_time(now, day * conf.review_business_days())
    review, created = ReviewTask.objects.get_or_create(change=change, defaults={"team": team, "due_at": due})
    if created:
        audit_record(target=change, verb="review_opened", actor=None, team=team.slug, due_at=due.isoformat())


def _approve(change: Change, *, actor: User | None, kind: str, now: dt.datetime | None = None) -> Change:
    now = now or timezone.now()
    moved_window = _move_pipeline_window(change, now)
    emergency = change.type == ChangeType.EMERGENCY
    move(change, to=S.APPROVED, actor=actor, approved_at=now, freeze_override=emergency, **moved_window)
    if moved_window:
        audit_record(
            target=change,
            verb="window_moved",
            actor=None,
            planned_start=now.isoformat(),
            planned_end=moved_window["planned_end"].isoformat(),
            reason="approved after the window started",
        )
    if emergency:
        _record_override(change, actor)
        teams = owner_teams(change)
        if teams:
            _open_review(change, teams[0], now)
    return change


def _record_override(change: Change, actor: User | None) -> None:
    """An approved emergency change passes the freezes its window meets: say which, on the timeline."""
    met = windows_meeting(
        window_specs(),
        kind=WindowKind.FREEZE,
        service_ids=[s.pk for s in change.services.all()],
        environment_id=change.environment_id,
        start=change.planned_start,
        end=change.planned_end,
    )
    if met:
        audit_record(target=change, verb="freeze_overridden", actor=actor, freezes=[spec.title for spec, _ in met])


def change_route(*, change: Change, actor: User | None = None) -> Change:
    """After scoring: a low-tier change (not emergency) is approved by policy; others wait for approvers."""
    route(change)()
    return change


def route(change: Change, *, now: dt.datetime | None = None) -> Callable[[], None]:
    """change_route in two steps: this call moves the change, in memory while it is not inserted yet (lifecycle
    writes a new change's row once, as it ends up); the step returned writes what needs the change's row (the
    policy's approval, the approvers' emails). ``now``: when a change being opened was opened."""
    if change.tier == Tier.LOW and change.type != ChangeType.EMERGENCY:
        approval = ChangeApproval(
            change=change,
            round=change.approval_round,
            kind=ApprovalKind.POLICY,
            decision=Decision.APPROVED,
            comment=f"Tier low under policy v{change.policy_version}.",
        )
        audit_record(target=change, verb="approval_decided", actor=None, kind=ApprovalKind.POLICY, decision="approved")
        _approve(change, actor=None, kind=ApprovalKind.POLICY, now=now)
        return partial(insert_with_events, approval)  # with the events when opening a change (lifecycle)
    move(change, to=S.AWAITING_APPROVAL, actor=None)
    return partial(_notify_approvers, change)


def _notify_approvers(change: Change) -> None:
    approvers = [person for team in pending_teams(change) for person in approver_candidates(change, team)]
    change_notify_approvers(change=change, approvers=approvers, blockers=approval_blockers(change))


def _refusal(actor: User, change: Change) -> str:
    if actor.pk == change.requester_id:
        return "You requested this change: someone else must decide it."
    if actor.pk == change.ci_actor_id:
        return "You triggered this pipeline run: someone else must decide its change."
    return "You are not among the approvers this change still needs."


def _check_decision(change: Change, actor: User, decision: str, comment: str) -> list[tuple[Team, str]]:
    if decision not in Decision.values:
        raise ValidationError({"decision": f"Choose one of: {', '.join(Decision.values)}."})
    if decision == Decision.REJECTED and not comment:
        raise ValidationError({"comment": "Say why the change is rejected."})
    if len(comment) > COMMENT_MAX_CHARS:
        raise ValidationError({"comment": f"A comment holds at most {COMMENT_MAX_CHARS} characters."})
    if change.status != S.AWAITING_APPROVAL:
        raise ValidationError({"decision": f"This change is “{change.get_status_display()}”, not awaiting approval."})
    mine = [(team, kind) for team in pending_teams(change) if (kind := approver_kind(actor, change, team))]
    if not mine:
        raise PermissionDenied(_refusal(actor, change))
    blockers = approval_blockers(change)
    if decision == Decision.APPROVED and blockers:
        raise ValidationError({"decision": f"It cannot be approved yet: {'; '.join(blockers)}."})
    return mine


def _record_decisions(
    change: Change, actor: User, mine: list[tuple[Team, str]], decision: str, comment: str
) -> list[ChangeApproval]:
    rows = []
    for team, kind in mine:
        rows.append(
            ChangeApproval.objects.create(
                change=change,
                round=change.approval_round,
                team=team,
                approver=actor,
                kind=kind,
                decision=decision,
                comment=comment,
            )
        )
        audit_record(
            target=change,
            verb="approval_decided",
            actor=actor,
            team=team.slug,
            kind=kind,
            decision=decision,
            comment=comment,
        )
    return rows


@transaction.atomic
def change_decide(
    *, change: Change, actor: User, decision: str, comment: str = "", expected_version: int | None = None
) -> Change:
    """Approve or reject for every pending owner team ``actor`` may decide for; the last approval approves.

    The requester hears of the decision by email (services.notify.change_notify_decision).
    """
    change = Change.objects.select_for_update().get(pk=change.pk)  # concurrent decisions queue up here
    check_version(change, expected_version)
    comment = comment.strip()
    mine = _check_decision(change, actor, decision, comment)
    rows = _record_decisions(change, actor, mine, decision, comment)
    if decision == Decision.REJECTED:
        move(change, to=S.REJECTED, actor=actor, comment=comment)
    elif not pending_teams(change):
        _approve(change, actor=actor, kind=mine[0][1])
    waiting = (
        [who_approves(change, team) for team in pending_teams(change)] if change.status == S.AWAITING_APPROVAL else []
    )
    change_notify_decision(change=change, approval=rows[0], teams=[team.name for team, _ in mine], waiting_for=waiting)
    return change
