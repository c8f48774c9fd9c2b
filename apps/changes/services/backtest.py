"""The back-test: a policy version replayed over the attribute snapshots stored on recent changes.

``backtest_start`` records the request and dispatches the task after commit; the task calls
``backtest_run``, which claims the row (pending -> running, a conditional update: a second delivery does
nothing), replays with apps.changes.policy.replay and stores the matrix, the shares and the moved changes.
"Old" is the tier each change actually got (by the version that scored it); "new" is the version's answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import User
from apps.changes.choices import Tier
from apps.changes.models import Change, PolicyBacktest, RiskPolicy
from apps.changes.policy.replay import Replayer
from apps.changes.services.scoring import policy_spec
from apps.changes.services.versions import check_author
from apps.changes.tasks import changes_run_backtest
from apps.core.services import audit_record

CHUNK = 5000  # rows read per round trip; progress is written after each
MAX_DAYS = 3660
Status = PolicyBacktest.Status


def backtest_days() -> int:
    """How far back a back-test looks unless asked otherwise (STEWARD_CHANGES_BACKTEST_DAYS, default 90)."""
    return int(getattr(settings, "STEWARD_CHANGES_BACKTEST_DAYS", 90))


@transaction.atomic
def backtest_start(*, policy: RiskPolicy, actor: User, days: int | None = None) -> PolicyBacktest:
    """Queue a back-test of ``policy`` over the last ``days`` days of scored changes."""
    check_author(actor)
    days = backtest_days() if days is None else days
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError({"days": f"Choose from 1 to {MAX_DAYS} days."})
    backtest = PolicyBacktest.objects.create(
        policy=policy, days=days, since=timezone.now() - dt.timedelta(days=days), requested_by=actor
    )
    audit_record(target=policy, verb="backtest_requested", actor=actor, backtest=backtest.pk, days=days)
    transaction.on_commit(partial(changes_run_backtest.delay, backtest_id=backtest.pk))
    return backtest


def backtest_sweep(*, now: dt.datetime | None = None) -> list[int]:
    """Dispatch again the back-tests whose message was lost (pending for a minute: the embedded broker cannot
    redeliver) or whose worker died (running past the task time limit); their ids. backtest_run claims each
    once, so a copy that arrives after all does nothing."""
    now = now or timezone.now()
    lost = Q(status=Status.PENDING, created_at__lt=now - dt.timedelta(seconds=60))
    abandoned = Q(status=Status.RUNNING, started_at__lt=now - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT))
    ids = list(PolicyBacktest.objects.filter(lost | abandoned).order_by("pk").values_list("pk", flat=True)[:100])
    for backtest_id in ids:
        changes_run_backtest.delay(backtest_id=backtest_id)
    return ids


def _history(backtest: PolicyBacktest) -> tuple[int, Iterator[tuple[int, str, int | None, dict[str, Any]]]]:
    changes = Change.objects.filter(created_at__gte=backtest.since, scored_at__isnull=False).exclude(tier="")
    rows = changes.order_by("pk").values_list("pk", "tier", "risk_score", "attributes")
    return changes.count(), rows.iterator(chunk_size=CHUNK)


def backtest_run(*, backtest_id: int) -> PolicyBacktest | None:
    """Run a pending back-test once; None when the row is gone or another delivery already took it."""
    now = timezone.now()
    # A run whose worker died (the broker redelivers the message: acks_late) is taken again once it is older
    # than the task time limit; a run still going is not.
    abandoned = Q(status=Status.RUNNING, started_at__lt=now - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT))
    claimed = PolicyBacktest.objects.filter(Q(status=Status.PENDING) | abandoned, pk=backtest_id).update(
        status=Status.RUNNING, started_at=now, processed=0
    )
    if claimed != 1:
        return None
    backtest = PolicyBacktest.objects.select_related("policy").get(pk=backtest_id)
    try:
        _replay(backtest)
    except Exception as exc:
        PolicyBacktest.objects.filter(pk=backtest_id).update(
            status=Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        raise
    backtest.refresh_from_db()
    return backtest


def _replay(backtest: PolicyBacktest) -> None:
    replayer = Replayer(policy_spec(backtest.policy))
    total, rows = _history(backtest)
    PolicyBacktest.objects.filter(pk=backtest.pk).update(total=total)
    tiers = list(Tier.values)
    matrix = {old: dict.fromkeys(tiers, 0) for old in tiers}
    moved: list[list[object]] = []
    processed = 0
    for pk, old, old_score, attributes in rows:
        outcome = replayer.outcome(attributes or {})
        matrix[old][outcome.tier] += 1
        if outcome.tier != old:
            moved.append([pk, old, outcome.tier, old_score, outcome.score])
        processed += 1
        if processed % CHUNK == 0:
            PolicyBacktest.objects.filter(pk=backtest.pk).update(processed=min(processed, total))
    PolicyBacktest.objects.filter(pk=backtest.pk).update(
        status=Status.DONE, processed=processed, total=processed, matrix=matrix, moved=moved,
        before={old: sum(row.values()) for old, row in matrix.items()},
        after={new: sum(matrix[old][new] for old in tiers) for new in tiers},
        finished_at=timezone.now(),
    )  # fmt: skip
