"""Writes of the change calendar: moving a change (through apps.changes' change_update), windows from the builder
(through window_create / window_update), and feed tokens."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.tokens import digest_key
from apps.changes import selectors as change_selectors
from apps.changes import services as change_services
from apps.changes.choices import WindowKind
from apps.changes.models import Change, Window
from apps.changes.windows import window_specs, windows_meeting
from apps.core.services import audit_record
from apps.schedule.models import FeedToken
from apps.schedule.rrules import check_recurrence
from apps.schedule.selectors import CONFLICT_STATUSES

FEED_KEY_PREFIX = "stf_"
USED_EVERY = dt.timedelta(hours=1)  # last_used_at is written at most this often: clients poll every few minutes


@dataclass
class Moved:
    change: Change
    approvals_reset: bool
    warnings: list[str] = field(default_factory=list)


def _when(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%a %d %b %Y %H:%M %Z")


def freeze_refusals(change: Change, start: dt.datetime, end: dt.datetime) -> list[str]:
    """Why [start, end) is refused for ``change``: each freeze covering its services and environment there."""
    found = windows_meeting(
        window_specs(),
        kind=WindowKind.FREEZE,
        service_ids=[service.pk for service in change.services.all()],
        environment_id=change.environment_id,
        start=start,
        end=end,
    )
    reasons = []
    for spec, (begins, ends) in found:
        why = f" ({spec.reason.strip()})" if spec.reason.strip() else ""
        reasons.append(f"Freeze “{spec.title}”{why} runs from {_when(begins)} to {_when(ends)}.")
    return reasons


def change_reschedule(
    *, change: Change, actor: User, start: dt.datetime, end: dt.datetime, expected_version: int | None = None
) -> Moved:
    """Move a change's planned window. Refused (ValidationError) into a freeze, with the freeze named; otherwise
    written by change_update, which records it and resets approvals as the change rules say. Conflicts with other
    changes are allowed but returned as warnings."""
    if end <= start:
        raise ValidationError({"planned_end": "The planned end must come after the planned start."})
    refusals = freeze_refusals(change, start, end)
    if refusals:
        raise ValidationError({"planned_start": ["It cannot move into a freeze.", *refusals]})
    before = change.approval_round
    moved = change_services.change_update(
        change=change, actor=actor, expected_version=expected_version, planned_start=start, planned_end=end
    )
    clashes = change_selectors.conflicting_changes(moved, statuses=CONFLICT_STATUSES)
    warnings = [f"It now overlaps {other.number} ({other.title}) on a shared service." for other in clashes[:5]]
    return Moved(moved, moved.approval_round != before, warnings)


def window_save(*, actor: User, window: Window | None, now: dt.datetime | None = None, **values: Any) -> Window:
    """Create or edit a window from the builder: its refusals first (end before start, invalid rule, a window
    that never occurs), then apps.changes' window services (managers only; they audit)."""
    check_recurrence({**values, "is_active": values.get("is_active", True)}, now=now or timezone.now())
    if window is None:
        values.pop("is_active", None)
        return change_services.window_create(actor=actor, **values)
    return change_services.window_update(window=window, actor=actor, **values)


@transaction.atomic
def feed_token_regenerate(*, user: User) -> tuple[FeedToken, str]:
    """A new feed secret for ``user`` (the old one stops working); returns it with the key, shown only once."""
    feed_token_revoke(user=user)
    key = FEED_KEY_PREFIX + secrets.token_urlsafe(32)
    token = FeedToken.objects.create(user=user, prefix=key[:12], digest=digest_key(key))
    audit_record(target=token, verb="feed_token_created", actor=user)
    return token, key


@transaction.atomic
def feed_token_revoke(*, user: User) -> int:
    """Revoke ``user``'s live feed secret, if any: every subscribed calendar stops updating."""
    live = list(FeedToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True))
    for token in live:
        FeedToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
        audit_record(target=token, verb="feed_token_revoked", actor=user)
    return len(live)


def feed_token_used(token: FeedToken, *, now: dt.datetime | None = None) -> None:
    """Note that the token was used, at most once an hour (a conditional UPDATE, no read). ``token`` keeps the time
    it wrote, so that a copy remembered after this call (views.REMEMBERED) does not write again on every poll; the
    condition in the UPDATE keeps other processes, whose copies are older, from writing again within the hour."""
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at > USED_EVERY:
        stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - USED_EVERY)
        FeedToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
