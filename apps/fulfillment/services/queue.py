"""The agent queue's writes: bulk assign and bulk status change (all or nothing), saved filters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from apps.accounts.models import User
from apps.core.services import audit_record
from apps.fulfillment.choices import TRANSITIONS, RequestStatus
from apps.fulfillment.exceptions import InvalidTransition, StaleRequest
from apps.fulfillment.models import SavedFilter, ServiceRequest, format_number
from apps.fulfillment.permissions import can_transition, can_work
from apps.fulfillment.selectors.queue import queue_queryset_for
from apps.fulfillment.services.lifecycle import rejection_reason_check, request_assign, request_transition

BULK_MAX = 200
# Query parameters a saved filter never keeps: the page and htmx's own.
NOT_SAVED = frozenset({"page", "csrfmiddlewaretoken"})


@dataclass(frozen=True)
class Refusal:
    number: str
    reason: str


class BulkRefused(Exception):
    """At least one request could not take the action: nothing was changed; ``refusals`` say which and why."""

    def __init__(self, refusals: list[Refusal]) -> None:
        self.refusals = refusals
        super().__init__("; ".join(f"{r.number}: {r.reason}" for r in refusals))


def refusal_reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(getattr(exc, "message", "") or exc) or "Not allowed."


def _load(actor: User, versions: Mapping[int, int]) -> tuple[list[ServiceRequest], list[Refusal]]:
    """The picked requests from the actor's queues, locked; missing ones and stale versions are refusals."""
    if len(versions) > BULK_MAX:
        raise ValidationError(f"Pick at most {BULK_MAX} requests at once.")
    found = {
        sr.pk: sr for sr in queue_queryset_for(actor).filter(pk__in=list(versions)).select_for_update(of=("self",))
    }
    refusals = [Refusal(format_number(pk), "not in your queues") for pk in versions if pk not in found]
    requests = [found[pk] for pk in sorted(found)]
    refusals += [Refusal(sr.number, StaleRequest.message) for sr in requests if sr.version != versions[sr.pk]]
    return requests, refusals


def _all_or_nothing(
    requests: list[ServiceRequest], refusals: list[Refusal], apply: Callable[[ServiceRequest], Any]
) -> list[ServiceRequest]:
    """Apply to every request or to none: a refusal found before or during the writes rolls all of them back."""
    if refusals:
        raise BulkRefused(refusals)
    for sr in requests:
        try:
            apply(sr)
        except (ValidationError, PermissionDenied, InvalidTransition, StaleRequest) as exc:
            raise BulkRefused([Refusal(sr.number, refusal_reason(exc))]) from exc
    return requests


@transaction.atomic
def request_bulk_assign(*, actor: User, versions: Mapping[int, int], assignee: User) -> list[ServiceRequest]:
    """Assign every picked request (``{pk: version read}``) to ``assignee``; raises BulkRefused and changes nothing
    when any is not the actor's to assign, not in the assignee's teams, or changed since it was read."""
    requests, refusals = _load(actor, versions)
    assignee_teams = set(assignee.memberships.values_list("team_id", flat=True)) if assignee.is_active else set()
    for sr in requests:
        if not can_work(actor, sr):
            refusals.append(Refusal(sr.number, f"only agents of {sr.team.name} can assign it"))
        elif sr.team_id not in assignee_teams:
            refusals.append(Refusal(sr.number, f"{assignee.username} is not an active member of {sr.team.name}"))
    return _all_or_nothing(requests, refusals, lambda sr: request_assign(request=sr, assignee=assignee, actor=actor))


@transaction.atomic
def request_bulk_transition(
    *, actor: User, versions: Mapping[int, int], to: str, comment: str = ""
) -> list[ServiceRequest]:
    """Move every picked request to ``to``; raises BulkRefused and changes nothing when any move is illegal or
    not the actor's to make."""
    if to not in RequestStatus.values:
        raise ValidationError({"to": f"{to!r} is not a request status."})
    if to == RequestStatus.REJECTED:
        rejection_reason_check(comment)  # before anything is read: the whole batch needs the one reason
    requests, refusals = _load(actor, versions)
    for sr in requests:
        if to not in TRANSITIONS.get(sr.status, frozenset()):
            refusals.append(Refusal(sr.number, InvalidTransition(sr.status, to).message))
        elif not can_transition(actor, sr, to):
            refusals.append(Refusal(sr.number, f"you may not move it to “{RequestStatus(to).label}”"))
    return _all_or_nothing(
        requests, refusals, lambda sr: request_transition(request=sr, to=to, actor=actor, comment=comment)
    )


def clean_query(query: str) -> str:
    """The queue's query string without the page number, for saving and for links back to the queue."""
    pairs = [(k, v) for k, v in parse_qsl(query.lstrip("?"), keep_blank_values=False) if k not in NOT_SAVED]
    return urlencode(pairs)[:2000]


@transaction.atomic
def saved_filter_save(*, user: User, name: str, query: str) -> SavedFilter:
    """Save (or overwrite) the user's filter called ``name``."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Give the filter a name."})
    saved, created = SavedFilter.objects.update_or_create(
        user=user, name=name[:80], defaults={"query": clean_query(query)}
    )
    audit_record(target=saved, verb="saved_filter_saved" if created else "saved_filter_updated", actor=user)
    return saved


@transaction.atomic
def saved_filter_delete(*, saved: SavedFilter, actor: User) -> None:
    if saved.user_id != actor.pk:
        raise PermissionDenied("This filter is not yours.")
    audit_record(target=saved, verb="saved_filter_deleted", actor=actor, name=saved.name)
    saved.delete()
