"""Windows: boundaries, recurrence across DST, scope per service and environment, the gate's cache."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError

from apps.changes.choices import WindowKind
from apps.changes.windows import WindowSpec, in_maintenance, rrule_check, window_specs, windows_meeting
from tests.changes.factories import EnvironmentFactory, WindowFactory
from tests.factories import ServiceFactory

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
UTC = dt.UTC


def local(*args):
    return dt.datetime(*args, tzinfo=AMS)


# Friday 16:00 to Monday 07:00 Amsterdam time, every week, first occurrence in winter (UTC+1).
WEEKEND = WindowSpec(
    id=1,
    kind=WindowKind.FREEZE,
    title="Weekend freeze",
    reason="",
    all_services=True,
    service_ids=frozenset(),
    environment_ids=frozenset({7}),
    tz="Europe/Amsterdam",
    starts_at=local(2026, 1, 2, 16, 0),
    ends_at=local(2026, 1, 5, 7, 0),
    rrule="FREQ=WEEKLY",
)


def test_a_recurring_window_keeps_its_local_hours_across_dst():
    # Summer time (UTC+2) began on 29 March 2026: the occurrence of 3 April starts at 14:00 UTC, not 15:00.
    occurrences = list(WEEKEND.occurrences(local(2026, 3, 23, 8), local(2026, 4, 10)))
    starts = [s.astimezone(AMS).replace(tzinfo=None) for s, _ in occurrences]
    assert starts == [dt.datetime(2026, 3, 27, 16, 0), dt.datetime(2026, 4, 3, 16, 0)]
    assert occurrences[0][0] == dt.datetime(2026, 3, 27, 15, 0, tzinfo=UTC)
    assert occurrences[1][0] == dt.datetime(2026, 4, 3, 14, 0, tzinfo=UTC)
    # The weekend over the change of clocks is an hour shorter in real time, same local hours.
    assert occurrences[0][1].astimezone(AMS).hour == 7
    assert occurrences[0][1] - occurrences[0][0] == dt.timedelta(hours=62)


def test_a_recurring_window_across_the_autumn_change():
    ((start, end),) = WEEKEND.occurrences(local(2026, 10, 24, 12), local(2026, 10, 24, 13) + dt.timedelta(days=1))
    assert start.astimezone(AMS).hour == 16 and end.astimezone(AMS).hour == 7
    assert end - start == dt.timedelta(hours=64)  # 25 October 2026 has 25 hours


@pytest.mark.parametrize(
    ("start", "end", "meets"),
    [
        (local(2026, 5, 8, 15, 0), local(2026, 5, 8, 16, 0), False),  # ends as the freeze starts
        (local(2026, 5, 8, 15, 0), local(2026, 5, 8, 16, 1), True),
        (local(2026, 5, 11, 7, 0), local(2026, 5, 11, 8, 0), False),  # starts as the freeze ends
        (local(2026, 5, 11, 6, 59), local(2026, 5, 11, 8, 0), True),
        (local(2026, 5, 9, 12, 0), local(2026, 5, 9, 13, 0), True),  # inside, on a Saturday
        (local(2026, 5, 6, 12, 0), local(2026, 5, 6, 13, 0), False),  # a Wednesday
    ],
)
def test_window_boundaries_are_half_open(start, end, meets):
    found = windows_meeting([WEEKEND], kind=WindowKind.FREEZE, service_ids=[3], environment_id=7, start=start, end=end)
    assert bool(found) is meets


def test_scope_by_service_and_environment():
    spec = WindowSpec(**{**WEEKEND.__dict__, "all_services": False, "service_ids": frozenset({3})})
    args = {"kind": WindowKind.FREEZE, "start": local(2026, 5, 9, 12), "end": local(2026, 5, 9, 13)}
    assert windows_meeting([spec], service_ids=[3, 4], environment_id=7, **args)
    assert not windows_meeting([spec], service_ids=[4], environment_id=7, **args)
    assert not windows_meeting([spec], service_ids=[3], environment_id=8, **args)
    anywhere = WindowSpec(**{**spec.__dict__, "environment_ids": frozenset()})
    assert windows_meeting([anywhere], service_ids=[3], environment_id=8, **args)


def test_in_maintenance_needs_the_whole_change_inside():
    spec = WindowSpec(**{**WEEKEND.__dict__, "kind": WindowKind.MAINTENANCE})
    args = {"service_ids": [1], "environment_id": 7}
    assert in_maintenance([spec], start=local(2026, 5, 9, 12), end=local(2026, 5, 9, 14), **args)
    assert not in_maintenance([spec], start=local(2026, 5, 8, 15), end=local(2026, 5, 8, 17), **args)
    assert not in_maintenance([WEEKEND], start=local(2026, 5, 9, 12), end=local(2026, 5, 9, 14), **args)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("FREQ=HOURLY", "at most daily"),
        ("FREQ=WEEKLY;UNTIL=20270101T000000Z", "local time"),
        ("DTSTART:20260101T000000\nRRULE:FREQ=DAILY", "only the RRULE part"),
        ("nonsense", "Not a recurrence rule"),
    ],
)
def test_rrule_check_refuses(text, error):
    with pytest.raises(ValidationError) as excinfo:
        rrule_check(text)
    assert error in str(excinfo.value)


def test_rrule_check_accepts_and_normalises():
    assert rrule_check("RRULE:FREQ=WEEKLY;BYDAY=FR") == "FREQ=WEEKLY;BYDAY=FR"
    assert rrule_check("  ") == ""


@pytest.mark.django_db
def test_window_specs_cache_follows_every_edit(django_assert_num_queries):
    production = EnvironmentFactory(slug="production", is_production=True)
    service = ServiceFactory()
    window = WindowFactory(title="Release freeze")
    assert [spec.title for spec in window_specs()] == ["Release freeze"]
    with django_assert_num_queries(1):  # the stamp only; the specs come from the cache
        window_specs()

    window.services.add(service)
    assert window_specs()[0].service_ids == {service.pk}
    window.environments.add(production)
    assert window_specs()[0].environment_ids == {production.pk}
    window.title = "Renamed"
    window.save()
    assert window_specs()[0].title == "Renamed"
    window.delete()
    assert window_specs() == []
