"""The deployment gate: go, wait or no-go for one change now, with its reasons in plain words.

Reads only what is stored: the change's status, window, tier and score (scored when it was opened or edited;
no rule is evaluated here), the windows (cached, apps.changes.windows.window_specs) and the changes in progress
(cached, apps.changes.running).
Fail closed: anything unexpected answers wait or no-go, never go.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from apps.changes import conf, selectors
from apps.changes.choices import ChangeStatus, GateDecision, WindowKind
from apps.changes.models import Change
from apps.changes.running import running_conflicts
from apps.changes.services.approvals import approval_blockers, pending_teams, who_approves
from apps.changes.windows import WindowSpec, window_specs, windows_meeting

S = ChangeStatus
CLOSED: dict[str, str] = {
    S.REJECTED: "The change was rejected.",
    S.CANCELLED: "The change was cancelled.",
    S.COMPLETED: "The change is completed: open a new change for another deployment.",
    S.FAILED: "The change failed: open a new change for another deployment.",
    S.ROLLED_BACK: "The change was rolled back: open a new change for another deployment.",
}
MAX_RETRY_SECONDS = 300


@dataclass
class GateAnswer:
    decision: str
    reasons: list[str] = field(default_factory=list)
    retry_after: int | None = None


def _when(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _freeze_reason(spec: WindowSpec, start: dt.datetime, end: dt.datetime) -> str:
    why = f" ({spec.reason.strip()})" if spec.reason.strip() else ""
    return f"Freeze “{spec.title}”{why} from {_when(start)} to {_when(end)} covers this change's window."


def _freezes(change: Change) -> list[str]:
    count: int | None = getattr(change, "windows_count", None)  # read with the change on the polled path
    found = windows_meeting(
        window_specs(None if count is None else (count, getattr(change, "windows_last", None))),
        kind=WindowKind.FREEZE,
        service_ids=[service.pk for service in change.services.all()],
        environment_id=change.environment_id,
        start=change.planned_start,
        end=change.planned_end,
    )
    return [_freeze_reason(spec, start, end) for spec, (start, end) in found]


def _approval_reasons(change: Change) -> list[str]:
    reasons = [f"Waiting for approval from {who_approves(change, team)}." for team in pending_teams(change)]
    blockers = approval_blockers(change)
    if blockers:
        reasons.append(f"It cannot be approved until: {'; '.join(blockers)}.")
    return reasons or ["Waiting for approval."]


def _pending(change: Change) -> GateAnswer:
    if change.status == S.DRAFT:
        return GateAnswer(GateDecision.WAIT, ["The change is a draft: submit it to have it assessed."])
    if change.status == S.ASSESSING:
        return GateAnswer(GateDecision.WAIT, ["The change is being assessed."])
    tier = f"Tier {change.tier} (score {change.risk_score})."
    if hasattr(change, "service_teams"):  # bare services from change_for_gate: approvers are named below
        selectors.gate_services(change)
    return GateAnswer(GateDecision.WAIT, [tier, *_approval_reasons(change)])


def _scheduled(change: Change, now: dt.datetime) -> GateAnswer:
    if now < change.planned_start:
        wait = int((change.planned_start - now).total_seconds()) + 1
        reason = f"Approved; its window starts at {_when(change.planned_start)}."
        return GateAnswer(GateDecision.WAIT, [reason], retry_after=min(wait, MAX_RETRY_SECONDS))
    running = running_conflicts(change)
    if running:
        what = "is in progress on the same service and environment."
        return GateAnswer(GateDecision.WAIT, [f"{other.number} ({other.title}) {what}" for other in running])
    approved = "approved by policy" if _approved_by_policy(change) else "approved"
    return GateAnswer(
        GateDecision.GO, [f"Tier {change.tier}, {approved}; inside its window until {_when(change.planned_end)}."]
    )


def _approved_by_policy(change: Change) -> bool:
    known = getattr(change, "approved_by_policy", None)
    if known is None:
        return change.approvals.filter(kind="policy", round=change.approval_round).exists()
    return bool(known)


def gate_decide(change: Change, *, now: dt.datetime | None = None) -> GateAnswer:
    """The gate's answer for ``change`` at ``now``; ``retry_after`` is set on every wait."""
    now = now or timezone.now()
    answer = _decide(change, now)
    if answer.decision == GateDecision.WAIT and answer.retry_after is None:
        answer.retry_after = conf.gate_retry_seconds()
    return answer


def _decide(change: Change, now: dt.datetime) -> GateAnswer:
    if change.status in CLOSED:
        return GateAnswer(GateDecision.NO_GO, [CLOSED[change.status]])
    freezes = _freezes(change)
    if freezes and not (change.freeze_override and change.status in (S.APPROVED, S.IN_PROGRESS)):
        return GateAnswer(GateDecision.NO_GO, freezes)
    if now >= change.planned_end:
        return GateAnswer(GateDecision.NO_GO, [f"The change's window ended at {_when(change.planned_end)}."])
    if change.status in (S.DRAFT, S.ASSESSING, S.AWAITING_APPROVAL):
        return _pending(change)
    if change.status in (S.APPROVED, S.IN_PROGRESS):
        answer = _scheduled(change, now)
        if freezes and answer.decision == GateDecision.GO:
            answer.reasons.append("An emergency approval overrides: " + " ".join(freezes))
        return answer
    return GateAnswer(GateDecision.WAIT, [f"The gate cannot decide for status {change.status!r}."])
