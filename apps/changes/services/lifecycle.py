"""Opening, submitting, editing and moving changes: validate, write, score, route, audit."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import User
from apps.catalog.models import Service
from apps.changes import conf, selectors
from apps.changes.choices import EDITABLE_STATUSES, TIER_RANK, TRANSITIONS, ChangeStatus, ChangeType, Tier
from apps.changes.exceptions import CiRunTaken, InvalidTransition
from apps.changes.models import Change, Environment, StandardChangeTemplate
from apps.changes.permissions import can_edit_change, can_open_change
from apps.changes.services.approvals import change_route, route
from apps.changes.services.scoring import change_score
from apps.changes.services.state import cas_update, check_version, move
from apps.core.services import audit_batch, audit_record, insert_with_events

S = ChangeStatus
SHA = re.compile(r"^[0-9a-f]{7,64}$")
SLUG = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
MAX_LINKS = 20
MAX_PATH_CHARS = 500
# Edits that change what was approved: they reset the approvals and the change is scored again.
MATTERS = ("services", "environment", "planned_start", "planned_end", "commit_sha")
# Edits that only feed the score (evidence, rollback plan): scored again, approvals kept.
RESCORE = (
    "rollback_plan",
    "test_links",
    "tests_passed",
    "tests_failed",
    "tests_skipped",
    "diff_lines",
    "files_changed",
    "paths",
)
EDITABLE = ("title", "description", "implementation_plan", "visible_to_end_users", "public_title", *MATTERS, *RESCORE)


@dataclass
class ChangeData:
    """What a person or a pipeline gives to open a change; the API serializer and the form build it."""

    title: str
    services: list[Service]
    environment: Environment
    type: str = ChangeType.NORMAL
    template: StandardChangeTemplate | None = None
    description: str = ""
    planned_start: dt.datetime | None = None
    planned_end: dt.datetime | None = None
    implementation_plan: str = ""
    rollback_plan: str = ""
    test_links: list[str] = field(default_factory=list)
    tests_passed: int | None = None
    tests_failed: int | None = None
    tests_skipped: int | None = None
    commit_sha: str = ""
    ci_system: str = ""
    ci_repository: str = ""
    ci_workflow: str = ""
    ci_run_id: str = ""
    ci_run_attempt: int = 1
    ci_run_url: str = ""
    ci_actor_login: str = ""
    diff_lines: int | None = None
    files_changed: int | None = None
    paths: list[str] = field(default_factory=list)
    visible_to_end_users: bool = False
    public_title: str = ""


ROW_FIELDS = tuple(f.name for f in dataclasses.fields(ChangeData) if f.name != "services")


def _apply_template(data: ChangeData) -> None:
    template = data.template
    if template is None:
        if data.type == ChangeType.STANDARD:
            raise ValidationError({"template": "A standard change is opened from a standard-change template."})
        return
    if not template.is_active:
        raise ValidationError({"template": f"The template “{template.name}” is retired."})
    data.type = ChangeType.STANDARD
    data.services = data.services or list(template.services.all())
    data.implementation_plan = data.implementation_plan or template.implementation_plan
    data.rollback_plan = data.rollback_plan or template.rollback_plan


def _window_errors(data: ChangeData, now: dt.datetime) -> dict[str, str]:
    if data.planned_start is None and data.ci_run_id:
        data.planned_start = now  # a pipeline deploys now: its window is now .. now + the configured minutes
        data.planned_end = data.planned_end or now + dt.timedelta(minutes=conf.pipeline_window_minutes())
    if data.planned_start is None:
        return {"planned_start": "Give the planned start."}
    if data.planned_end is None:
        return {"planned_end": "Give the planned end."}
    if data.planned_end <= data.planned_start:
        return {"planned_end": "The planned end must come after the planned start."}
    return {}


def _ci_errors(data: ChangeData) -> dict[str, str]:
    errors = {}
    data.commit_sha = data.commit_sha.strip().lower()
    if data.commit_sha and not SHA.match(data.commit_sha):
        errors["commit_sha"] = "A commit SHA is 7 to 64 hexadecimal characters."
    ci = (data.ci_system, data.ci_repository, data.ci_workflow, data.ci_run_id)
    if any(ci) and not all((data.ci_system, data.ci_repository, data.ci_run_id)):
        errors["ci_run_id"] = "A pipeline change names its CI system, repository and run id."
    if data.ci_system and not SLUG.match(data.ci_system):
        errors["ci_system"] = "A CI system is a short name such as github, gitlab or jenkins."
    if data.ci_run_attempt < 1:
        errors["ci_run_attempt"] = "The attempt counts from 1."
    return errors


def _content_errors(data: ChangeData) -> dict[str, str]:
    errors = {}
    if not data.title.strip():
        errors["title"] = "Give the change a title."
    if not data.services:
        errors["services"] = "Name at least one service."
    if len(data.paths) > conf.max_paths():
        errors["paths"] = f"At most {conf.max_paths()} paths; send the first ones."
    elif any(not isinstance(p, str) or len(p) > MAX_PATH_CHARS for p in data.paths):
        errors["paths"] = f"Each path is a string of at most {MAX_PATH_CHARS} characters."
    if len(data.test_links) > MAX_LINKS:
        errors["test_links"] = f"At most {MAX_LINKS} test evidence links."
    if data.visible_to_end_users and not data.public_title.strip():
        errors["public_title"] = "A change visible to end users needs a public title."
    return errors


def change_validate(
    *, requester: User, data: ChangeData, now: dt.datetime, new_services: list[Service] | None = None
) -> None:
    """Complete ``data`` (template, pipeline window) and raise ValidationError keyed by field if it is wrong.

    ``requester`` must be allowed to open changes on ``new_services`` (all of ``data.services`` when None): an
    edit checks only the services it adds, so a requester may still edit a change others added services to.
    """
    _apply_template(data)
    errors = {**_content_errors(data), **_window_errors(data, now), **_ci_errors(data)}
    if errors:
        raise ValidationError(errors)
    if not can_open_change(requester, data.services if new_services is None else new_services):
        raise ValidationError({"services": "You may open changes only on services your teams own."})


def _ci_actor(login: str) -> User | None:
    """The person a CI login names, by user name or email, where one exists."""
    login = login.strip()
    if not login:
        return None
    people = User.objects.filter(is_active=True, is_service_account=False)
    return people.filter(Q(username__iexact=login) | Q(email__iexact=login)).order_by("pk").first()


def _row_fields(data: ChangeData) -> dict[str, Any]:
    # Not dataclasses.asdict: it deep-copies every value, the services and the environment with their relations.
    values = {name: getattr(data, name) for name in ROW_FIELDS}
    values["ci_actor"] = _ci_actor(data.ci_actor_login)
    return values


@transaction.atomic
def change_create(*, requester: User, data: ChangeData, submit: bool = True, actor: User | None = None) -> Change:
    """Open a change (draft), and unless ``submit`` is False submit it: scored, then routed for approval."""
    return _create(requester=requester, data=data, submit=submit, actor=actor)


def _create(*, requester: User, data: ChangeData, submit: bool = True, actor: User | None = None) -> Change:
    """change_create inside the caller's transaction.

    The change is opened, submitted, scored and routed in memory, then its row is inserted once as it ends up
    (no UPDATE of a row just written), then its services, the policy's approval and the events, in order.
    """
    now = timezone.now()
    change_validate(requester=requester, data=data, now=now)
    change = Change(requester=requester, **_row_fields(data))
    with audit_batch():  # the events take the change's id once its row is written
        audit_record(
            target=change,
            verb="created",
            actor=actor or requester,
            type=change.type,
            services=sorted(s.slug for s in data.services),
            environment=data.environment.slug,
            ci_run=change.ci_run_id or None,
        )
        after_insert = _submit(change, actor or requester, services=data.services, now=now) if submit else None
        change.save(force_insert=True)
        # A new row: its links cannot exist yet, so they are inserted as they are, with the events (services.add
        # would check, and send m2m_changed, whose one listener renews the calendar feeds' mark: the new row's
        # updated_at does).
        for service in data.services:
            insert_with_events(Change.services.through(change_id=change.pk, service_id=service.pk))
        selectors.remember_services(change, data.services)  # routing and the answer read them: no query
        if after_insert is not None:
            after_insert()
    return change


def _find_ci_run(data: ChangeData) -> Change | None:
    return Change.objects.filter(
        ci_system=data.ci_system,
        ci_repository=data.ci_repository,
        ci_workflow=data.ci_workflow,
        environment=data.environment,
        ci_run_id=data.ci_run_id,
        ci_run_attempt=data.ci_run_attempt,
    ).first()


def change_open_for_pipeline(*, requester: User, data: ChangeData) -> tuple[Change, bool]:
    """Open the change of one CI run attempt once: (change, created). A retry, even concurrent, gets the same one.

    The row is written first and the unique constraint on the run answers whether it is new (one query less than
    looking first, for the common case: a new run). A run that opened a change ``requester`` cannot see raises
    CiRunTaken rather than revealing it.
    """
    try:
        with transaction.atomic(), audit_batch():  # a savepoint inside a caller's transaction
            return _create(requester=requester, data=data), True
    except IntegrityError:
        existing = _find_ci_run(data) if data.ci_run_id else None
        if existing is None:
            raise
    if not selectors.change_queryset_for(requester).filter(pk=existing.pk).exists():
        raise CiRunTaken()
    return existing, False


def change_submit(*, change: Change, actor: User) -> Change:
    """Draft to assessing, scored, then routed (approved by policy or awaiting approval)."""
    _submit(change, actor)()
    return change


def _submit(
    change: Change, actor: User, *, services: list[Service] | None = None, now: dt.datetime | None = None
) -> Callable[[], None]:
    """change_submit up to the writes that need the change's row (approvals.route): a change not inserted yet
    is moved and scored in memory, on ``services``, opened at ``now``."""
    move(change, to=S.ASSESSING, actor=actor)
    change_score(change=change, actor=actor, services=services)
    return route(change, now=now)


@transaction.atomic
def change_transition(
    *, change: Change, to: str, actor: User, comment: str = "", expected_version: int | None = None
) -> Change:
    """Cancel or submit a change by hand (approvals and outcomes have their own services)."""
    check_version(change, expected_version)
    if to not in (S.CANCELLED, S.ASSESSING):
        if to in S.values:
            raise ValidationError(
                {
                    "to": "Approvals and outcomes have their own actions: here a change is only "
                    "submitted (assessing) or cancelled."
                }
            )
        raise InvalidTransition(change.status, to)
    if to not in TRANSITIONS[change.status] or (to == S.ASSESSING and change.status != S.DRAFT):
        raise InvalidTransition(change.status, to)
    if not can_edit_change(actor, change):
        raise PermissionDenied("You may not change this change.")
    if to == S.ASSESSING:
        return change_submit(change=change, actor=actor)
    return move(change, to=to, actor=actor, comment=comment.strip())


def _changed(change: Change, data: dict[str, Any]) -> list[str]:
    changed = []
    for name, value in data.items():
        if name == "services":
            if {s.pk for s in value} != {s.pk for s in change.services.all()}:
                changed.append(name)
        elif getattr(change, name) != value:
            changed.append(name)
    return changed


def _current_data(change: Change, values: dict[str, Any]) -> ChangeData:
    names = {f.name for f in dataclasses.fields(ChangeData)}
    current = {name: getattr(change, name) for name in names if name not in ("services",)}
    return ChangeData(**{**current, "services": list(change.services.all()), **values})


@transaction.atomic
def change_update(*, change: Change, actor: User, expected_version: int | None = None, **values: Any) -> Change:
    """Edit an open change; only the fields given are written (last write wins per field without a version).

    Edits that matter (MATTERS) reset the approvals and route again; evidence edits (RESCORE) rescore, and a
    rescore that moves the tier of a change awaiting approval, or raises that of an approved one, routes again.
    """
    change = Change.objects.select_for_update().get(pk=change.pk)  # concurrent edits queue up here
    check_version(change, expected_version)
    unknown = sorted(set(values) - set(EDITABLE))
    if unknown:
        raise ValidationError({name: "This field cannot be edited." for name in unknown})
    if not can_edit_change(actor, change):
        raise PermissionDenied(f"A change that is “{change.get_status_display()}” cannot be edited by you.")
    changed = _changed(change, values)
    if not changed:
        return change
    data = _current_data(change, values)
    added = [s for s in data.services if s.pk not in {old.pk for old in change.services.all()}]
    change_validate(requester=actor, data=data, now=timezone.now(), new_services=added)
    row = {name: getattr(data, name) for name in changed if name != "services"}
    cas_update(change, **row)
    if "services" in changed:
        change.services.set(data.services)
    audit_record(target=change, verb="edited", actor=actor, fields=changed)
    return _after_edit(change, actor, changed)


def _after_edit(change: Change, actor: User, changed: list[str]) -> Change:
    if change.status not in EDITABLE_STATUSES or change.status == S.DRAFT:
        return change
    routed = change.status in (S.AWAITING_APPROVAL, S.APPROVED)
    if set(changed) & set(MATTERS) and routed:
        return _route_again(change, actor, changed, rescore=True)
    if set(changed) & (set(RESCORE) | set(MATTERS)):
        before = change.tier
        change_score(change=change, actor=actor)
        if routed and _tier_needs_routing(change.status, before, change.tier):
            return _route_again(change, actor, changed, rescore=False)
    return change


def _tier_needs_routing(status: str, before: str, after: str) -> bool:
    """Approvers differ per tier: a pending change follows its new tier; an approved one is re-approved only when
    its risk rose (a change approved as low must not deploy as high on that approval)."""
    if status == S.AWAITING_APPROVAL:
        return before != after
    return _rank(after) > _rank(before)


def _rank(tier: str) -> int:
    """A tier's rank; an unscored change counts as high (fail closed)."""
    return TIER_RANK[Tier(tier)] if tier in Tier.values else TIER_RANK[Tier.HIGH]


def _route_again(change: Change, actor: User, changed: list[str], *, rescore: bool) -> Change:
    """A new approval round: the earlier approvals no longer count; assessed (and scored) and routed as if new."""
    cas_update(change, approval_round=change.approval_round + 1, approved_at=None, freeze_override=False)
    audit_record(target=change, verb="approvals_reset", actor=actor, fields=changed)
    move(change, to=S.ASSESSING, actor=actor, comment="Edited after approval was asked: assessed again.")
    if rescore:
        change_score(change=change, actor=actor)
    return change_route(change=change, actor=actor)
