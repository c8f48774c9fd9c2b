#!/usr/bin/env python
"""The policy back-test on 100,000 stored attribute snapshots: must finish within 30 s (issue 9).

A script, not a test (timings depend on the machine; see bench/README.md). It

1. migrates the database named by DATABASE_URL (default: SQLite under a temporary STEWARD_VAR_DIR);
2. generates --changes N scored changes (default 100,000; reused when already there) whose attribute
   snapshots are random but seeded, scored by the demo's policy v1 (apps/demo/change_data.py);
3. drafts v2 from v1 with one more rule (a weekend production deploy is high) and times
   ``apps.changes.services.backtest.backtest_run``, the very function the Celery task runs: reading every
   snapshot of the last 90 days, replaying it and storing the matrix, shares and moved changes;
4. prints the time, the rate, the matrix and whether it met the 30 s target; also the in-memory replay alone.

Usage (run it once, on a quiet machine):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/steward_bench .venv/bin/python bench/backtest_bench.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 30.0
TITLE = "bench back-test"


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_DEBUG", "true")
    os.environ.setdefault("STEWARD_VAR_DIR", tempfile.mkdtemp(prefix="steward-backtest-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def snapshot(rng: random.Random) -> dict[str, Any]:
    production = rng.random() < 0.4
    return {
        "change_type": rng.choice(["standard", "normal", "normal", "normal", "emergency"]),
        "environment": "production" if production else rng.choice(["staging", "development"]),
        "is_production": production,
        "service_count": rng.randint(1, 4),
        "max_criticality": (crit := rng.choice(["low", "medium", "high", "critical"])),
        "criticality_rank": ["low", "medium", "high", "critical"].index(crit),
        "diff_lines": int(rng.expovariate(1 / 200)),
        "files_changed": rng.randint(0, 60),
        "paths": rng.sample(["src/app.py", "db/migrations/0042.sql", "infra/main.tf", "README.md"], rng.randint(0, 3)),
        "tests_passed": rng.randint(0, 2000),
        "tests_failed": rng.choice([0] * 9 + [rng.randint(1, 5)]),
        "has_rollback_plan": rng.random() < 0.7,
        "has_test_evidence": rng.random() < 0.8,
        "start_weekday": rng.randint(0, 6),
        "start_hour": rng.randint(0, 23),
        "duration_minutes": rng.choice([15, 30, 60, 120]),
        "in_maintenance_window": rng.random() < 0.1,
        "by_pipeline": rng.random() < 0.6,
        "service_changes_30d": rng.randint(0, 50),
        "service_failure_rate_30d": round(rng.random() * 0.4, 2),
    }


def policies() -> tuple[Any, Any]:
    """Sealed v1 with the demo's rules; a fresh draft with one more rule each run."""
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.changes.models import PolicyRule, RiskPolicy
    from apps.changes.services.policies import policy_rule_save
    from apps.changes.services.versions import policy_draft
    from apps.demo import change_data

    author, _ = User.objects.get_or_create(username="bench-policy-author", defaults={"is_superuser": True})
    v1 = RiskPolicy.objects.filter(activated_at__isnull=False).order_by("version").first()
    if v1 is None:
        v1 = RiskPolicy.objects.create(**change_data.POLICY)
        for position, (name, (kind, expression, weight, _d)) in enumerate(change_data.RULES.items()):
            PolicyRule.objects.create(policy=v1, name=name, kind=kind, expression=expression, weight=weight,
                                      position=position)  # fmt: skip
        RiskPolicy.objects.filter(is_active=True).update(is_active=False)
        RiskPolicy.objects.filter(pk=v1.pk).update(activated_at=timezone.now(), is_active=True)
    draft = policy_draft(source=v1, actor=author)
    policy_rule_save(policy=draft, name="weekend production", expression="is_production && start_weekday >= 5",
                     weight=40, actor=author)  # fmt: skip
    return v1, draft


def generate(count: int, v1: Any) -> None:
    from django.db import transaction
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.changes.models import Change, Environment
    from apps.changes.policy import assess
    from apps.changes.services.scoring import policy_spec

    existing = Change.objects.filter(title=TITLE).count()
    if existing >= count:
        print(f"{existing} bench changes already there")
        return
    env, _ = Environment.objects.get_or_create(slug="bench-env", defaults={"name": "Bench env"})
    requester, _ = User.objects.get_or_create(username="bench-requester")
    spec, rng, now = policy_spec(v1), random.Random(9), timezone.now()  # noqa: S311  # seeded test data
    started = time.perf_counter()
    for offset in range(existing, count, 5000):
        rows = []
        for _ in range(min(5000, count - offset)):
            result = assess(spec, snapshot(rng))
            rows.append(Change(
                title=TITLE, environment=env, requester=requester, planned_start=now,
                planned_end=now + dt.timedelta(hours=1), tier=result.tier, risk_score=result.score,
                policy=v1, policy_version=v1.version, attributes=result.attributes, scored_at=now,
            ))  # fmt: skip
        with transaction.atomic():
            Change.objects.bulk_create(rows, batch_size=1000)
    print(f"generated {count - existing} changes in {time.perf_counter() - started:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--changes", type=int, default=100_000)
    args = parser.parse_args()
    setup()
    from django.db import connection

    from apps.changes.models import Change, PolicyBacktest
    from apps.changes.policy.replay import Replayer
    from apps.changes.services.backtest import backtest_run
    from apps.changes.services.scoring import policy_spec

    v1, draft = policies()
    generate(args.changes, v1)
    backtest = PolicyBacktest.objects.create(policy=draft, since=draft.created_at - dt.timedelta(days=90), days=90)
    started = time.perf_counter()
    result = backtest_run(backtest_id=backtest.pk)
    elapsed = time.perf_counter() - started
    if result is None:
        raise SystemExit("the back-test was not run")
    print(f"database: {connection.vendor}; back-test of {result.total} snapshots: {elapsed:.2f} s "
          f"({result.total / elapsed:,.0f} per second); target {TARGET_SECONDS:.0f} s: "
          f"{'MET' if elapsed <= TARGET_SECONDS else 'MISSED'}")  # fmt: skip
    print(f"moved: {len(result.moved)}; matrix (old -> new): {result.matrix}")
    print(f"shares before: {result.before}; after: {result.after}")
    snapshots = list(Change.objects.filter(title=TITLE).values_list("attributes", flat=True))
    replayer = Replayer(policy_spec(draft))
    started = time.perf_counter()
    for values in snapshots:
        replayer.outcome(values)
    print(f"replay alone (in memory, {len(snapshots)} snapshots): {time.perf_counter() - started:.2f} s")
    return 0 if elapsed <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
