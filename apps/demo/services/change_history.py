"""About 200 demo changes of the last 90 days, opened, decided and deployed through the changes services,
then backdated: the failure rates, the change calendar and later the policy back-test have data."""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max
from django.utils import timezone

from apps.accounts.models import User
from apps.catalog.models import Service
from apps.changes.choices import ChangeStatus
from apps.changes.models import Change, ChangeApproval, Environment, StandardChangeTemplate
from apps.changes.services import (
    ChangeData,
    change_create,
    change_decide,
    change_gate_went,
    change_record_outcome,
    change_transition,
    change_update,
)
from apps.changes.services.approvals import approval_blockers, approver_candidates, pending_teams
from apps.core.models import AuditEvent
from apps.demo import change_data, data
from apps.demo.services.base import DemoWorld

S = ChangeStatus
# Share of each final status among the demo changes: mostly finished, a few still open.
STATUS_WEIGHTS: dict[str, int] = {
    S.COMPLETED: 150, S.FAILED: 10, S.ROLLED_BACK: 8, S.REJECTED: 7, S.CANCELLED: 7,
    S.AWAITING_APPROVAL: 8, S.APPROVED: 5, S.IN_PROGRESS: 2, S.DRAFT: 3,
}  # fmt: skip
DEPLOYED = (S.IN_PROGRESS, S.COMPLETED, S.FAILED, S.ROLLED_BACK)
OUTCOME: dict[str, str] = {S.COMPLETED: "succeeded", S.FAILED: "failed", S.ROLLED_BACK: "rolled_back"}


@dataclass
class ChangeCast:
    world: DemoWorld
    environments: dict[str, Environment]
    templates: list[StandardChangeTemplate]
    services: list[Service]
    members: dict[int, list[User]] = field(default_factory=dict)  # team id -> people who may open changes
    run_id: int = 4000

    @classmethod
    def build(cls, world: DemoWorld, environments: dict[str, Environment]) -> ChangeCast:
        services = list(Service.objects.select_related("owner_team").order_by("slug"))
        templates = list(StandardChangeTemplate.objects.prefetch_related("services").order_by("slug"))
        cast = cls(world=world, environments=environments, templates=templates, services=services)
        for person in world.people.values():
            if person.is_service_account or person.is_superuser:
                continue
            for team_id in person.memberships.values_list("team_id", flat=True):
                cast.members.setdefault(team_id, []).append(person)
        return cast


def demo_changes_exist() -> bool:
    """The marker for idempotence: any change opened by a demo person or the demo pipeline."""
    demo = [*data.PEOPLE, *data.SERVICE_ACCOUNTS]
    return Change.objects.filter(requester__username__in=demo).exists()


def _statuses(rng: random.Random, count: int) -> list[str]:
    statuses = list(STATUS_WEIGHTS)
    rest = rng.choices(statuses, weights=list(STATUS_WEIGHTS.values()), k=max(count - len(statuses), 0))
    return (statuses + rest)[:count]


def _start(rng: random.Random, now: dt.datetime, status: str, service: Service) -> dt.datetime:
    """A planned start in the owner team's working week (never in the weekend freeze); future for open ones."""
    if status in (S.AWAITING_APPROVAL, S.APPROVED, S.DRAFT):
        day = now + dt.timedelta(days=rng.randint(1, 6))
    elif status == S.IN_PROGRESS:
        return now - dt.timedelta(minutes=20)
    else:
        day = now - dt.timedelta(days=rng.uniform(1, 89))
    zone = zoneinfo.ZoneInfo(service.owner_team.timezone)
    local = day.astimezone(zone)
    while local.weekday() >= 5:
        local -= dt.timedelta(days=1)
    hour = rng.choice([9, 10, 10, 11, 13, 14, 14, 15, 19, 21]) if local.weekday() < 4 else rng.choice([9, 10, 11, 14])
    return local.replace(hour=hour, minute=rng.choice([0, 15, 30, 45]), second=0, microsecond=0)


def _evidence(rng: random.Random) -> dict[str, Any]:
    failing = rng.random() < 0.06
    return {
        "rollback_plan": "Redeploy the previous release." if rng.random() < 0.85 else "",
        "tests_passed": rng.randint(40, 900),
        "tests_failed": rng.randint(1, 4) if failing else 0,
        "tests_skipped": rng.randint(0, 12),
        "diff_lines": int(rng.lognormvariate(4.5, 1.1)),
        "files_changed": rng.randint(1, 45),
    }


def _pipeline_fields(rng: random.Random, cast: ChangeCast, service: Service) -> dict[str, Any]:
    cast.run_id += rng.randint(1, 7)
    system = rng.choice(change_data.CI_SYSTEMS)
    actor = rng.choice(cast.members.get(service.owner_team_id) or [cast.world.people["agent"]])
    return {
        "ci_system": system,
        "ci_repository": f"acme/{service.slug}",
        "ci_workflow": "deploy.yml" if system == "github" else "deploy",
        "ci_run_id": str(cast.run_id),
        "ci_run_url": f"https://{system}.example.com/acme/{service.slug}/runs/{cast.run_id}",
        "ci_actor_login": actor.username,
        "commit_sha": f"{rng.getrandbits(160):040x}",
    }


def _opening(rng: random.Random, cast: ChangeCast, status: str, now: dt.datetime) -> tuple[User, ChangeData]:
    """Who opens which change: a pipeline (platform services only), a standard template, or a person."""
    kind = rng.random()
    reviewed = status in (S.AWAITING_APPROVAL, S.REJECTED)  # production, no template: a person must decide
    template = rng.choice(cast.templates) if kind < 0.2 and not reviewed else None
    platform = [s for s in cast.services if s.owner_team_id == cast.world.people["ci-pipeline"].owner_team_id]
    pool = list(template.services.all()) if template else platform if kind < 0.65 else cast.services
    service = rng.choice(pool)
    by_pipeline = template is None and kind < 0.65
    people = cast.members.get(service.owner_team_id) or [cast.world.people["agent"]]
    requester = cast.world.people["ci-pipeline"] if by_pipeline else rng.choice(people)
    start = _start(rng, now, status, service)
    # Running changes hold their service and environment (the gate waits for them): kept to development.
    weights = [0, 0, 1] if reviewed else [1, 0, 0] if status == S.IN_PROGRESS else [15, 30, 55]
    environment = rng.choices(list(cast.environments.values()), weights=weights)[0]
    title = rng.choice(change_data.CHANGE_TITLES).format(service=service.name, version=f"1.{rng.randint(0, 40)}")
    fields = _pipeline_fields(rng, cast, service) if by_pipeline else {}
    emergency = template is None and not by_pipeline and rng.random() < 0.05
    change_type = "standard" if template else "emergency" if emergency else "normal"
    data_ = ChangeData(
        title=template.name if template else title, services=[service], environment=environment, template=template,
        type=change_type, planned_start=start, planned_end=start + dt.timedelta(minutes=rng.choice([30, 60, 90])),
        implementation_plan="Roll out with the standard deployment job.", **_evidence(rng), **fields,
    )  # fmt: skip
    return requester, data_


def _someone(change: Change, people: list[User], rng: random.Random) -> User:
    """A person who may edit or cancel ``change``: its requester if a person, else an owner-team member."""
    return change.requester if not change.requester.is_service_account else rng.choice(people)


def _approve_all(rng: random.Random, change: Change, editor: User) -> bool:
    """Approve every pending team's part, fixing the evidence first if approval is blocked; False if stuck."""
    if approval_blockers(change):
        change = change_update(change=change, actor=editor, rollback_plan="Redeploy the previous release.",
                               tests_failed=0)  # fmt: skip
    for team in pending_teams(change):
        if change.status != S.AWAITING_APPROVAL:
            break
        people = approver_candidates(change, team)
        if not people:
            return False
        change_decide(change=change, actor=rng.choice(people), decision="approved", comment="Looks good.")
        change.refresh_from_db()
    return change.status == S.APPROVED


def _decide(rng: random.Random, change: Change, status: str, editor: User) -> None:
    if status == S.CANCELLED or (status == S.REJECTED and change.status != S.AWAITING_APPROVAL):
        change_transition(change=change, to=S.CANCELLED, actor=editor, comment="No longer needed.")
    elif status == S.REJECTED:
        team = pending_teams(change)[0]
        judge = rng.choice(approver_candidates(change, team) or [change.requester])
        change_decide(change=change, actor=judge, decision="rejected", comment="Not now: too close to a release.")
    elif status in (S.APPROVED, *DEPLOYED) and change.status == S.AWAITING_APPROVAL:
        _approve_or_cancel(rng, change, editor)


def _approve_or_cancel(rng: random.Random, change: Change, editor: User) -> None:
    if not _approve_all(rng, change, editor):
        change_transition(change=change, to=S.CANCELLED, actor=editor, comment="Nobody could approve it.")


def _deploy(change: Change, status: str, start: dt.datetime, end: dt.datetime, with_go: bool) -> None:
    change.refresh_from_db()
    if change.status != S.APPROVED:
        return
    if with_go:
        change_gate_went(change=change, now=start)
    actor = change.requester
    change_record_outcome(change=change, outcome="started", actor=actor, at=min(start, timezone.now()))
    if status in OUTCOME:
        change_record_outcome(change=change, outcome=OUTCOME[status], actor=actor, at=end)


def _latest_event_id() -> int:
    return AuditEvent.objects.aggregate(last=Max("id"))["last"] or 0


def _backdate(change: Change, mark: int, opened: dt.datetime, start: dt.datetime, end: dt.datetime) -> None:
    """Move the change, its approvals and its audit events to the story's times (approval moved pipeline windows
    to the seeding moment: put them back)."""
    decided = min(opened + (start - opened) / 2, timezone.now())
    Change.objects.filter(pk=change.pk).update(created_at=opened, updated_at=max(end, opened), planned_start=start,
                                               planned_end=end)  # fmt: skip
    Change.objects.filter(pk=change.pk, approved_at__isnull=False).update(approved_at=decided)
    Change.objects.filter(pk=change.pk, scored_at__isnull=False).update(scored_at=opened)
    ChangeApproval.objects.filter(change=change).update(created_at=decided)
    events = AuditEvent.objects.filter(id__gt=mark, target_type="changes.change", target_id=str(change.pk))
    events.filter(verb__in=["created", "scored"]).update(created_at=opened)
    events.exclude(verb__in=["created", "scored", "outcome_recorded", "deployed_without_go"]).update(created_at=decided)
    events.filter(verb__in=["outcome_recorded", "deployed_without_go"]).update(created_at=min(start, timezone.now()))
    events.filter(verb="status_changed", data__to=S.IN_PROGRESS).update(created_at=min(start, timezone.now()))
    events.filter(verb="status_changed", data__to__in=list(OUTCOME)).update(created_at=end)


def _open_one(rng: random.Random, cast: ChangeCast, status: str, now: dt.datetime, with_go: bool) -> None:
    requester, opening = _opening(rng, cast, status, now)
    assert opening.planned_start is not None and opening.planned_end is not None  # _opening sets both
    start, end = opening.planned_start, opening.planned_end
    lead = dt.timedelta(minutes=2) if opening.ci_run_id else dt.timedelta(hours=rng.uniform(1, 72))
    opened = min(start - lead, now - dt.timedelta(minutes=30))
    mark = _latest_event_id()
    change = change_create(requester=requester, data=opening, submit=status != S.DRAFT)
    people = cast.members.get(change.services.all()[0].owner_team_id) or [cast.world.people["agent"]]
    editor = _someone(change, people, rng)
    _decide(rng, change, status, editor)
    if status in DEPLOYED:
        _deploy(change, status, start, end, with_go)
    _backdate(change, mark, opened, start, end)


def seed_change_history(world: DemoWorld, environments: dict[str, Environment], *, count: int, seed: int = 8) -> int:
    """Open ``count`` demo changes unless the demo already has some; returns how many were opened."""
    if count <= 0 or demo_changes_exist():
        return 0
    rng = random.Random(seed)
    cast = ChangeCast.build(world, environments)
    now = timezone.now()
    statuses = _statuses(rng, count)
    # Oldest first, so each change is scored on the failure rates of the ones before it.
    for index, status in enumerate(statuses):
        _open_one(rng, cast, status, now, with_go=not (status == S.COMPLETED and index % 50 == 7))
    return count
