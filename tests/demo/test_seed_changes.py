"""seed_demo's change enablement: environments, board, policy, windows, templates, history and the CI token."""

import datetime as dt
import stat
import zoneinfo

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from apps.changes.choices import WindowKind
from apps.changes.models import AdvisoryBoard, Change, Environment, RiskPolicy, StandardChangeTemplate, Window
from apps.changes.policy import rule_check
from apps.changes.selectors import failure_rates
from apps.changes.windows import window_specs, windows_meeting

pytestmark = pytest.mark.django_db
AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")


def seed(**options):
    options.setdefault("requests", 0)
    options.setdefault("changes", 0)
    call_command("seed_demo", **options)


def gate_get(key, path="/api/v1/changes/"):
    return Client(HTTP_AUTHORIZATION=f"Token {key}").get(path)


def test_the_setup_has_environments_a_board_a_checked_policy_and_templates():
    seed()

    assert list(Environment.objects.values_list("slug", "is_production")) == [
        ("development", False), ("staging", False), ("production", True)
    ]  # fmt: skip
    board = AdvisoryBoard.objects.get()
    assert set(board.team.memberships.values_list("user__username", flat=True)) == {
        "manager", "ines.moreau", "noah.schmidt"
    }  # fmt: skip
    policy = RiskPolicy.objects.get(is_active=True)
    scores = policy.rules.filter(kind="score")
    assert scores.count() >= 7 and scores.filter(name="maintenance window", weight__lt=0).exists()
    assert policy.rules.filter(kind="check").count() == 2
    for rule in policy.rules.all():
        assert rule_check(rule.expression) == rule.expression
    assert set(StandardChangeTemplate.objects.values_list("slug", flat=True)) == {
        "scale-deployment", "rotate-certificate", "feature-flag-flip"
    }  # fmt: skip


def next_weekday(weekday, hour):
    now = timezone.now().astimezone(AMSTERDAM)
    day = now + dt.timedelta(days=(weekday - now.weekday()) % 7 or 7)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


def test_the_weekend_freeze_covers_production_from_friday_16_to_monday_07_in_amsterdam():
    seed()
    freeze = Window.objects.get(kind=WindowKind.FREEZE)
    assert freeze.timezone == "Europe/Amsterdam" and freeze.rrule == "FREQ=WEEKLY;BYDAY=FR"
    production, staging = Environment.objects.get(slug="production"), Environment.objects.get(slug="staging")

    def frozen(start, environment=production):
        met = windows_meeting(window_specs(), kind=WindowKind.FREEZE, service_ids=[1], environment_id=environment.pk,
                              start=start, end=start + dt.timedelta(minutes=30))  # fmt: skip
        return [spec.title for spec, _ in met]

    assert frozen(next_weekday(4, 16)) == ["Weekend production freeze"]
    assert frozen(next_weekday(0, 6)) == ["Weekend production freeze"]
    assert frozen(next_weekday(4, 15) - dt.timedelta(minutes=30)) == []
    assert frozen(next_weekday(0, 7)) == []
    assert frozen(next_weekday(5, 12), staging) == []


def test_the_history_has_outcomes_over_the_last_90_days():
    seed(changes=60)

    changes = Change.objects.all()
    assert changes.count() == 60
    assert {"completed", "failed", "rolled_back", "awaiting_approval"} <= set(changes.values_list("status", flat=True))
    oldest = changes.order_by("created_at").first()
    assert timezone.now() - dt.timedelta(days=91) < oldest.created_at < timezone.now() - dt.timedelta(days=20)
    finished = changes.filter(status__in=["completed", "failed", "rolled_back"])
    assert all(c.finished_at and c.planned_start < c.finished_at <= timezone.now() for c in finished)
    assert finished.exclude(gate_go_at=None).count() >= finished.count() - 2
    assert any(
        rate > 0
        for rate in failure_rates(Change.services.through.objects.values_list("service_id", flat=True)).values()
    )
    assert changes.filter(requester__username="ci-pipeline").exclude(ci_run_id="").exists()


def test_the_ci_token_is_written_alone_owner_only_and_opens_changes(demo_token_file):
    seed()

    text = demo_token_file.read_text()
    assert text.count("\n") == 1 and text.endswith("\n")
    assert stat.S_IMODE(demo_token_file.stat().st_mode) == 0o600
    key = text.strip()
    assert gate_get(key).status_code == 200
    assert gate_get(key, "/api/v1/requests/").status_code == 403  # the changes scope only


def test_a_second_run_keeps_a_valid_token_and_a_lost_file_rotates_it(demo_token_file):
    seed()
    first = demo_token_file.read_text()
    seed()
    assert demo_token_file.read_text() == first

    demo_token_file.unlink()
    seed()
    second = demo_token_file.read_text()
    assert second != first
    assert gate_get(first.strip()).status_code == 401  # the earlier demo token is revoked
    assert gate_get(second.strip()).status_code == 200
