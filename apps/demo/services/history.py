"""A few hundred demo requests in every status, written through the fulfillment services, then backdated."""

from __future__ import annotations

import datetime as dt
import random
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.test.utils import override_settings
from django.utils import timezone

from apps.accounts.choices import Role
from apps.accounts.models import User
from apps.catalog.choices import ApprovalRule, Audience, ItemStatus
from apps.catalog.models import CatalogItem
from apps.core.models import AuditEvent
from apps.core.selectors import audit_events_for
from apps.demo import data
from apps.demo.answers import AnswerPools, sample_answers
from apps.demo.services.base import DemoWorld
from apps.fulfillment.choices import Priority, RequestStatus
from apps.fulfillment.models import Comment, ServiceRequest
from apps.fulfillment.selectors.sla import (
    CLOCK_PAUSED,
    CLOCK_RUNNING,
    CLOCK_STOPPED,
    calendar_for_team,
    clock_from,
    delivery_target,
    running_intervals,
)
from apps.fulfillment.services import comment_add, request_assign, request_create, request_transition
from apps.fulfillment.services.sla import sla_warn_and_escalate

S = RequestStatus

# Share of each status among the demo requests (every status appears at least once regardless).
STATUS_WEIGHTS: dict[str, int] = {
    S.NEW: 10, S.AWAITING_APPROVAL: 8, S.APPROVED: 4, S.REJECTED: 4, S.IN_PROGRESS: 14,
    S.ON_HOLD: 5, S.FULFILLED: 8, S.FAILED: 3, S.CLOSED: 36, S.CANCELLED: 8,
}  # fmt: skip
# Age range (days) of a request by status: open work is recent, closed work is older.
AGE_DAYS: dict[str, tuple[float, float]] = {
    S.NEW: (0.05, 3), S.AWAITING_APPROVAL: (0.2, 6), S.APPROVED: (0.5, 8), S.REJECTED: (1, 88),
    S.IN_PROGRESS: (0.5, 15), S.ON_HOLD: (1, 20), S.FULFILLED: (0.5, 4), S.FAILED: (1, 30),
    S.CLOSED: (10, 89), S.CANCELLED: (1, 88),
}  # fmt: skip
PRIORITY_WEIGHTS = {Priority.LOW: 15, Priority.NORMAL: 60, Priority.HIGH: 20, Priority.URGENT: 5}
AUTO_CLOSED = "Closed automatically {days} days after fulfilment."
WORK = (S.IN_PROGRESS, S.ON_HOLD, S.FULFILLED, S.FAILED, S.CLOSED)


def quiet_side_effects() -> override_settings:
    """Seeded history sends no email: services queue no notification, and stray mail goes nowhere."""
    return override_settings(
        STEWARD_SEND_NOTIFICATIONS=False,
        STEWARD_AUTOMATION_ENABLED=False,
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
    )


@dataclass
class Op:
    """One step of a request's story: a transition, an assignment or a comment, done by ``actor``."""

    kind: str  # "create", "assign", "move", "comment"
    actor: User | None = None
    to: str = ""
    body: str = ""
    internal: bool = False


@dataclass
class Cast:
    """Who plays which part in the demo requests."""

    world: DemoWorld
    requesters: list[User] = field(default_factory=list)
    agents_by_team: dict[int, list[User]] = field(default_factory=dict)
    pools: AnswerPools | None = None

    @classmethod
    def build(cls, world: DemoWorld) -> Cast:
        people = [u for u in world.people.values() if not u.is_service_account and not u.is_superuser]
        cast = cls(world=world, requesters=people)
        for person in people:
            if Role.AGENT.value in {g.name for g in person.groups.all()}:
                for team in person.teams.all():
                    cast.agents_by_team.setdefault(team.pk, []).append(person)
        joinable = [slug for slug, attrs in data.TEAMS.items() if attrs.get("joinable")]
        cast.pools = AnswerPools(
            usernames=[u.username for u in people], team_slugs=list(data.TEAMS), joinable_slugs=joinable
        )
        return cast

    def approver(self, item: CatalogItem, requester: User) -> User:
        if item.approval_rule == ApprovalRule.REQUESTER_MANAGER and requester.primary_team is not None:
            manager = requester.primary_team.manager
        else:
            manager = item.approval_team.manager if item.approval_team else None
        return manager if manager is not None and manager.pk != requester.pk else self.world.people["admin"]


REJECTION_REASON = "Not approved this quarter: the budget is spent. Ask again in the next quarter."


def demo_requests_exist() -> bool:
    """The marker for idempotence: any request filed by a demo person means the history is there."""
    return ServiceRequest.objects.filter(requester__username__in=list(data.PEOPLE)).exists()


def _statuses(rng: random.Random, count: int) -> list[str]:
    statuses = list(STATUS_WEIGHTS)
    rest = rng.choices(statuses, weights=list(STATUS_WEIGHTS.values()), k=max(count - len(statuses), 0))
    return statuses + rest


def _visible(item: CatalogItem, requester: User) -> bool:
    if item.audience == Audience.EVERYONE:
        return True
    return bool({t.pk for t in item.audience_teams.all()} & {t.pk for t in requester.teams.all()})


def _pick(rng: random.Random, cast: Cast, status: str, first: bool) -> tuple[User, CatalogItem]:
    """A requester and an item that can reach ``status`` (approval statuses need an approval item)."""
    published = [i for i in cast.world.items.values() if i.status == ItemStatus.PUBLISHED]
    if status == S.NEW:
        published = [i for i in published if not i.needs_approval]
    elif status in (S.AWAITING_APPROVAL, S.APPROVED, S.REJECTED):
        published = [i for i in published if i.needs_approval]
    # The demo "requester" files one request of each status, then about a sixth of the rest.
    requester = cast.world.people["requester"] if first or rng.random() < 0.17 else rng.choice(cast.requesters)
    candidates = [i for i in published if _visible(i, requester)]
    return requester, rng.choice(candidates)


def _story(rng: random.Random, cast: Cast, status: str, item: CatalogItem, requester: User) -> list[Op]:
    """The operations that take a new request to ``status``, with comments along the way."""
    ops = [Op("create", requester)]
    agents = cast.agents_by_team.get(item.fulfilling_team_id) or [cast.world.people["admin"]]
    agent = rng.choice(agents)
    work = status in WORK or (status == S.CANCELLED and rng.random() < 0.3)
    if item.needs_approval and status != S.AWAITING_APPROVAL:
        if status == S.REJECTED:
            # A rejection always says why (services.lifecycle.rejection_reason_check).
            ops.append(Op("move", cast.approver(item, requester), S.REJECTED, body=REJECTION_REASON))
        elif work or status == S.APPROVED or rng.random() < 0.5:
            ops.append(Op("move", cast.approver(item, requester), S.APPROVED))
    if work:
        ops += [Op("assign", agent), Op("move", agent, S.IN_PROGRESS)]
    ops += _work_ops(status, agent, requester)
    return _with_comments(rng, ops, requester, agent)


def _work_ops(status: str, agent: User, requester: User) -> list[Op]:
    if status == S.ON_HOLD:
        return [
            Op("comment", agent, body="Could you confirm the details before we go on?"),
            Op("move", agent, S.ON_HOLD),
        ]
    if status in (S.FULFILLED, S.CLOSED, S.FAILED):
        ops = [Op("move", agent, S.FAILED if status == S.FAILED else S.FULFILLED)]
        closing = Op("move", None, S.CLOSED, body=AUTO_CLOSED.format(days=settings.STEWARD_AUTO_CLOSE_DAYS))
        return ops + ([closing] if status == S.CLOSED else [])
    if status == S.CANCELLED:
        return [Op("move", requester, S.CANCELLED)]
    return []


def _with_comments(rng: random.Random, ops: list[Op], requester: User, agent: User) -> list[Op]:
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
        roll = rng.random()
        if roll < 0.4:
            op = Op("comment", requester, body=rng.choice(data.COMMENTS_REQUESTER))
        elif roll < 0.8 or len(ops) < 3:
            op = Op("comment", agent, body=rng.choice(data.COMMENTS_AGENT))
        else:
            op = Op("comment", agent, body=rng.choice(data.COMMENTS_INTERNAL), internal=True)
        # Comments go between the creation and the last move (before fulfilment when it is auto-closed).
        tail = 2 if ops[-1].to == S.CLOSED else 1
        ops.insert(rng.randint(1, max(len(ops) - tail, 1)), op)
    return ops


def _run(op: Op, sr: ServiceRequest, admin: User) -> Comment | None:
    """Carry out one op through the services; an actor the rules refuse is replaced by the administrator."""
    if op.kind == "comment":
        return comment_add(request=sr, author=op.actor or admin, body=op.body, is_internal=op.internal)
    if op.kind == "assign":
        with suppress(PermissionDenied, ValidationError):  # the team has no agent: left unassigned
            request_assign(request=sr, assignee=op.actor, actor=op.actor or admin)
        return None
    try:
        request_transition(request=sr, to=op.to, actor=op.actor, comment=op.body)
    except PermissionDenied:
        request_transition(request=sr, to=op.to, actor=admin, comment=op.body)
    return None


def _times(rng: random.Random, now: dt.datetime, status: str, count: int) -> list[dt.datetime]:
    """``count`` increasing times, the first one the creation; closed requests close N days after fulfilment."""
    age = dt.timedelta(days=rng.uniform(*AGE_DAYS[status]))
    start = now - age
    if status != S.CLOSED:
        offsets = sorted(rng.uniform(0, 0.95) for _ in range(count - 1))
        return [start, *(start + age * offset for offset in offsets)]
    close_after = dt.timedelta(days=settings.STEWARD_AUTO_CLOSE_DAYS)
    span = max(age - close_after, dt.timedelta(hours=1))
    offsets = sorted(rng.uniform(0, 0.9) for _ in range(count - 2))
    times = [start, *(start + span * offset for offset in offsets)]
    return [*times, times[-1] + close_after]


def _latest_event_id() -> int:
    return AuditEvent.objects.aggregate(last=Max("id"))["last"] or 0


def _file_one(rng: random.Random, cast: Cast, status: str, first: bool, now: dt.datetime) -> None:
    requester, item = _pick(rng, cast, status, first)
    ops = _story(rng, cast, status, item, requester)
    times = _times(rng, now, status, len(ops))
    admin = cast.world.people["admin"]
    assert cast.pools is not None
    definition = item.current_form.definition if item.current_form else {"fields": []}
    answers = sample_answers(definition, rng, cast.pools, examples=data.ITEM_EXAMPLES.get(item.slug))
    mark = _latest_event_id()
    priority = rng.choices(list(PRIORITY_WEIGHTS), weights=list(PRIORITY_WEIGHTS.values()))[0]
    colleague = rng.choice(cast.requesters) if rng.random() < 0.1 else None
    sr = request_create(item=item, requester=requester, answers=answers, priority=priority, requested_for=colleague)
    stamps: list[tuple[int, dt.datetime]] = [(_latest_event_id(), times[0])]
    comments: list[tuple[int, dt.datetime]] = []
    for op, when in zip(ops[1:], times[1:], strict=True):
        comment = _run(op, sr, admin)
        if comment is not None:
            comments.append((comment.pk, when))
        stamps.append((_latest_event_id(), when))
    _backdate(sr, mark, stamps, comments, moves=[(op.to, when) for op, when in zip(ops, times, strict=True)])
    _settle_clock(sr)


def _backdate(
    sr: ServiceRequest,
    mark: int,
    stamps: list[tuple[int, dt.datetime]],
    comments: list[tuple[int, dt.datetime]],
    moves: list[tuple[str, dt.datetime]],
) -> None:
    """Move the request, its comments and its audit events back to the times of the story."""
    for last_id, when in stamps:
        AuditEvent.objects.filter(id__gt=mark, id__lte=last_id).update(created_at=when)
        mark = max(mark, last_id)
    for pk, when in comments:
        Comment.objects.filter(pk=pk).update(created_at=when)
    sr.refresh_from_db(fields=["fulfilled_at", "closed_at"])
    at = dict(moves)
    fields: dict[str, Any] = {"created_at": stamps[0][1], "updated_at": stamps[-1][1]}
    if sr.fulfilled_at is not None:
        fields["fulfilled_at"] = at[S.FULFILLED]
    if sr.closed_at is not None:
        fields["closed_at"] = stamps[-1][1]
    ServiceRequest.objects.filter(pk=sr.pk).update(**fields)


def _settle_clock(sr: ServiceRequest) -> None:
    """The due time the backdated story gives (request_create set one from the real time of seeding).

    Paused requests have none; a stopped one keeps when it would have been due had it kept running (as the
    live clock keeps it), so reports can tell met from missed targets.
    """
    sr.refresh_from_db()
    due = None
    if sr.status not in CLOCK_PAUSED:
        events = audit_events_for(sr).select_related(None).filter(verb="status_changed")
        intervals = running_intervals(sr, events.only("verb", "data", "created_at"))
        if intervals and sr.status in CLOCK_STOPPED:
            intervals[-1] = (intervals[-1][0], None)
        if intervals:
            due = clock_from(calendar_for_team(sr.team), intervals, delivery_target(sr)).due_at
    ServiceRequest.objects.filter(pk=sr.pk).update(due_at=due)


def _escalate_overdue(now: dt.datetime) -> None:
    """What the SLA sweep would have done meanwhile: each overdue request escalated a minute after its due time
    (and the ones due within the hour warned), with the audit events at those times."""
    demo = ServiceRequest.objects.filter(requester__username__in=list(data.PEOPLE), status__in=CLOCK_RUNNING)
    dues = {due for due in demo.filter(due_at__lte=now).values_list("due_at", flat=True) if due is not None}
    for due in sorted(dues):
        sla_warn_and_escalate(now=min(due + dt.timedelta(minutes=1), now))
    sla_warn_and_escalate(now=now)
    for sr in demo.filter(escalated_at__isnull=False):
        audit_events_for(sr).filter(verb="sla_escalated").update(created_at=sr.escalated_at)


def seed_requests(world: DemoWorld, *, count: int, seed: int = 2026) -> int:
    """File ``count`` demo requests unless the demo already has some; returns how many were filed."""
    if count <= 0 or demo_requests_exist():
        return 0
    rng = random.Random(seed)
    cast = Cast.build(world)
    now = timezone.now()
    for index, status in enumerate(_statuses(rng, count)):
        _file_one(rng, cast, status, first=index < len(STATUS_WEIGHTS), now=now)
    _escalate_overdue(now)
    return count
