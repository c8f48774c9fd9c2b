"""Celery settings that keep requests independent of the broker and sweeps from piling up."""

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from celery.schedules import crontab
from django.conf import settings

from portal.celery import app


def period(schedule) -> dt.timedelta:
    """The shortest gap between two runs of an interval or an every-hour crontab entry."""
    if isinstance(schedule, int | float):
        return dt.timedelta(seconds=schedule)
    assert isinstance(schedule, crontab) and len(schedule.hour) == 24, "add a rule for this schedule"
    minutes = sorted(schedule.minute)
    gaps = [b - a for a, b in zip(minutes, minutes[1:], strict=False)] + [minutes[0] + 60 - minutes[-1]]
    return dt.timedelta(minutes=min(gaps))


@pytest.mark.parametrize("name", sorted(settings.CELERY_BEAT_SCHEDULE))
def test_every_beat_entry_expires_before_its_next_run(name):
    entry = app.conf.beat_schedule[name]
    expires = entry.get("options", {}).get("expires")
    assert expires is not None, f"{name} needs options.expires, or it piles up while the workers are down"
    assert 0 < expires < period(entry["schedule"]).total_seconds()


def test_the_outbox_sweep_is_scheduled():
    entry = app.conf.beat_schedule["core-sweep-notifications"]
    assert entry["task"] == "apps.core.tasks.core_sweep_notifications"
    app.loader.import_default_modules()  # autodiscovery, as a worker does at start (this file may run alone)
    assert entry["task"] in app.tasks


def test_sending_never_waits_for_the_result_backend_or_a_dead_broker():
    assert app.conf.task_ignore_result is True
    policy = app.conf.task_publish_retry_policy
    assert policy["max_retries"] <= 1 and policy["interval_max"] <= 0.5
    assert app.conf.broker_connection_timeout <= 2


def test_redis_broker_gets_socket_timeouts(tmp_path):
    """The settings as a production process reads them with a Redis broker (a fresh interpreter)."""
    env = {
        **os.environ,
        "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
        "DJANGO_DEBUG": "true",
        "STEWARD_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    code = "from django.conf import settings; print(json.dumps(settings.CELERY_BROKER_TRANSPORT_OPTIONS))"
    out = subprocess.run(
        [sys.executable, "-c", f"import json; {code}"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    options = json.loads(out.stdout)
    assert 0 < options["socket_connect_timeout"] <= 2
    assert 1 < options["socket_timeout"] <= 10  # above the worker's 1 s BRPOP, far below a hang
