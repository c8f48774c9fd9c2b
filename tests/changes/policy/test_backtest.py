"""The back-test: counts against a hand-computed history, the fast replay against the engine, the real worker."""

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import given, settings

from apps.changes.models import Change, PolicyBacktest
from apps.changes.policy import assess
from apps.changes.policy.replay import Replayer
from apps.changes.policy.rules import attribute_sets
from apps.changes.services.backtest import backtest_run, backtest_start, backtest_sweep
from apps.changes.services.policies import policy_rule_save
from apps.changes.services.versions import policy_draft
from tests.changes.factories import ChangeFactory
from tests.changes.policy.conftest import make_sealed
from tests.waiting import wait_for

REPLAY_RULES = [
    ("production", "is_production", 40, "score"),
    ("weekend", "start_weekday >= 5", 30, "score"),
    ("paths", "paths.exists(p, p.startsWith('db/'))", 15, "score"),
    ("broken", "diff_lines / files_changed > 3", 10, "score"),  # fails when files_changed is 0
    ("negative", "in_maintenance_window", -30, "score"),
    ("green", "tests_failed == 0", 0, "check"),
]


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(attribute_sets())
def test_replay_agrees_with_the_engine(values):
    spec = policy_spec_from(REPLAY_RULES)
    replayer = Replayer(spec)
    expected = assess(spec, values)
    outcome = replayer.outcome(values)
    assert (outcome.score, outcome.tier) == (expected.score, expected.tier)
    assert list(outcome.fired) == [rule["name"] for rule in expected.rules_fired]
    # The second time comes from the memo: same answer.
    assert replayer.outcome(values) == outcome


def policy_spec_from(rules):
    from apps.changes.policy import PolicySpec, RuleSpec

    return PolicySpec(
        version=1,
        rules=tuple(RuleSpec(name, expression, weight) for name, expression, weight, kind in rules if kind == "score"),
        medium_from=30,
        high_from=60,
    )


def scored(tier, *, days_ago=1, **attributes):
    change = ChangeFactory(tier=tier, scored_at=timezone.now(), attributes=attributes)
    Change.objects.filter(pk=change.pk).update(created_at=timezone.now() - dt.timedelta(days=days_ago))
    return change


@pytest.fixture
def history(db):
    """Changes scored by v1 (production 40; medium from 30, high from 60), and which move under the draft."""
    return {
        "prod weekday": scored("medium", is_production=True, start_weekday=2),
        "prod weekend": scored("medium", is_production=True, start_weekday=6),  # 70 under the draft: high
        "test weekend": scored("low", start_weekday=5),  # 30: medium
        "standard": scored("low", change_type="standard", is_production=True, start_weekday=6),  # stays low
        "old": scored("medium", days_ago=100, is_production=True, start_weekday=6),  # outside 90 days
        "unscored": ChangeFactory(tier="", attributes={}),
    }


@pytest.fixture
def weekend_draft(v1, author):
    draft = policy_draft(source=v1, actor=author)
    policy_rule_save(policy=draft, name="weekend", expression="start_weekday >= 5", weight=30, actor=author)
    return draft


@pytest.mark.django_db
def test_backtest_counts_a_hand_computed_history(history, weekend_draft, author, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        backtest = backtest_start(policy=weekend_draft, actor=author)
    assert len(callbacks) == 1 and backtest.status == "pending" and backtest.days == 90

    result = backtest_run(backtest_id=backtest.pk)

    assert result.status == "done" and result.total == result.processed == 4
    assert result.matrix == {
        "low": {"low": 1, "medium": 1, "high": 0},
        "medium": {"low": 0, "medium": 1, "high": 1},
        "high": {"low": 0, "medium": 0, "high": 0},
    }
    assert result.before == {"low": 2, "medium": 2, "high": 0}
    assert result.after == {"low": 1, "medium": 2, "high": 1}
    moved = {row[0]: row[1:] for row in result.moved}
    assert moved == {
        history["prod weekend"].pk: ["medium", "high", None, 70],
        history["test weekend"].pk: ["low", "medium", None, 30],
    }


@pytest.mark.django_db
def test_backtest_days_are_configurable(history, weekend_draft, author, settings):
    settings.STEWARD_CHANGES_BACKTEST_DAYS = 120
    backtest = backtest_start(policy=weekend_draft, actor=author)
    assert backtest_run(backtest_id=backtest.pk).total == 5


@pytest.mark.django_db
def test_backtest_runs_once_per_request(history, weekend_draft, author):
    backtest = backtest_start(policy=weekend_draft, actor=author)
    assert backtest_run(backtest_id=backtest.pk) is not None
    assert backtest_run(backtest_id=backtest.pk) is None  # a second delivery finds it claimed
    assert backtest_run(backtest_id=999_999) is None


@pytest.mark.django_db(transaction=True)
def test_backtest_runs_on_the_real_worker(celery_worker, author, reviewer):
    v1 = make_sealed(1)
    scored("medium", is_production=True, start_weekday=6)
    draft = policy_draft(source=v1, actor=author)
    policy_rule_save(policy=draft, name="weekend", expression="start_weekday >= 5", weight=30, actor=author)

    backtest = backtest_start(policy=draft, actor=author)  # dispatched on commit (autocommit here)

    assert wait_for(lambda: PolicyBacktest.objects.get(pk=backtest.pk).status == "done")
    backtest.refresh_from_db()
    assert backtest.after == {"low": 0, "medium": 0, "high": 1}


@pytest.mark.django_db
def test_a_run_abandoned_by_a_dead_worker_is_taken_again(history, weekend_draft, author, settings):
    backtest = backtest_start(policy=weekend_draft, actor=author)
    PolicyBacktest.objects.filter(pk=backtest.pk).update(status="running", started_at=timezone.now())
    assert backtest_run(backtest_id=backtest.pk) is None  # still going: left alone
    late = timezone.now() - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 5)
    PolicyBacktest.objects.filter(pk=backtest.pk).update(started_at=late)
    assert backtest_run(backtest_id=backtest.pk).status == "done"


@pytest.mark.django_db
def test_the_sweep_dispatches_lost_and_abandoned_back_tests_again(history, weekend_draft, author, settings, mocker):
    delay = mocker.patch("apps.changes.services.backtest.changes_run_backtest.delay")
    fresh = backtest_start(policy=weekend_draft, actor=author)
    lost = backtest_start(policy=weekend_draft, actor=author)
    abandoned = backtest_start(policy=weekend_draft, actor=author)
    done = backtest_start(policy=weekend_draft, actor=author)
    backtest_run(backtest_id=done.pk)
    minute_ago = timezone.now() - dt.timedelta(seconds=61)
    PolicyBacktest.objects.filter(pk__in=[lost.pk, abandoned.pk, done.pk]).update(created_at=minute_ago)
    late = timezone.now() - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 5)
    PolicyBacktest.objects.filter(pk=abandoned.pk).update(status="running", started_at=late)

    assert backtest_sweep() == [lost.pk, abandoned.pk]
    assert fresh.pk not in [call.kwargs["backtest_id"] for call in delay.call_args_list]
    assert backtest_run(backtest_id=lost.pk).status == "done"  # what the re-dispatched task does
