"""Fixtures of the calendar tests: the changes tests' environments, policy and services, plus a few helpers."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.changes.conftest import (  # noqa: F401  # fixtures, shared with the changes tests
    board_member,
    make_change,
    other_service,
    policy,
    production,
    service,
    staging,
)

UTC = dt.UTC


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@pytest.fixture
def future():
    """Midnight UTC eight days from now: clear of 'now', so windows and moves do not meet the present."""
    today = timezone.now().astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + dt.timedelta(days=8)
