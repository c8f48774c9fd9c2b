"""The calendar page, the forward schedule (and its CSV), the CAB agenda and the planned maintenance page."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.fulfillment.models import ServiceRequest
from tests.changes.factories import ChangeFactory, WindowFactory
from tests.factories import CatalogItemFactory

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


def test_the_calendar_page_loads_fullcalendar_from_static_files(client_for, owner):
    html = client_for(owner).get("/changes/calendar/?tier=high").content.decode()
    assert "/static/vendor/fullcalendar/all/global.js" in html and "/static/schedule/calendar.js" in html
    assert 'data-time-zone="UTC"' in html and '<option value="high" selected>' in html  # filters from the URL
    assert "https://" not in html.split("<main")[1].split("Subscribe")[0]  # nothing from a CDN


def test_the_forward_schedule_groups_by_day_and_exports_csv(client_for, manager, service, staging):
    from django.utils import timezone

    tomorrow = timezone.now() + dt.timedelta(days=1)
    first = ChangeFactory(services=[service], environment=staging, tier="low", title="=cmd|evil",
                          planned_start=tomorrow, planned_end=tomorrow + HOUR)  # fmt: skip
    later = ChangeFactory(services=[service], environment=staging, planned_start=tomorrow + dt.timedelta(days=10),
                          planned_end=tomorrow + dt.timedelta(days=10) + HOUR)  # fmt: skip
    ChangeFactory(services=[service], status="cancelled", planned_start=tomorrow, planned_end=tomorrow + HOUR)
    client = client_for(manager)
    html = client.get("/changes/calendar/forward/").content.decode()
    assert first.number in html and later.number not in html and "1 change planned" in html
    assert later.number in client.get("/changes/calendar/forward/?days=14").content.decode()
    assert client.get("/changes/calendar/forward/?days=9").status_code == 400
    answer = client.get("/changes/calendar/forward/?days=30&format=csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode())))
    assert answer["Content-Type"].startswith("text/csv") and rows[0][0] == "number"
    assert [row[0] for row in rows[1:]] == [first.number, later.number] and rows[1][1] == "'=cmd|evil"


def test_the_forward_schedule_query_count_is_pinned(client_for, manager, service, staging):
    from django.utils import timezone

    client = client_for(manager)

    def count(n):
        for i in range(n):
            start = timezone.now() + dt.timedelta(days=1, hours=i)
            ChangeFactory(services=[service], environment=staging, planned_start=start, planned_end=start + HOUR)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/changes/calendar/forward/").status_code == 200
        return len(queries)

    count(0)
    assert count(1) == count(15)


def test_the_cab_agenda_lists_high_risk_changes_oldest_first(client_for, board_member, owner, service, staging):
    from django.utils import timezone

    now = timezone.now()
    newer = ChangeFactory(services=[service], environment=staging, tier="high", status="awaiting_approval",
                          scored_at=now, rollback_plan="helm rollback", planned_start=now + HOUR,
                          planned_end=now + 2 * HOUR, rules_fired=[{"name": "production", "weight": 40}])  # fmt: skip
    older = ChangeFactory(services=[service], environment=staging, tier="high", status="awaiting_approval",
                          scored_at=now - dt.timedelta(days=2), planned_start=now + HOUR,
                          planned_end=now + 2 * HOUR)  # fmt: skip
    ChangeFactory(services=[service], environment=staging, tier="medium", status="awaiting_approval")
    html = client_for(board_member).get("/changes/calendar/cab/").content.decode()
    assert html.index(older.number) < html.index(newer.number) and html.count('class="card mb-3"') == 2
    assert "helm rollback" in html and "production (+40)" in html
    assert f"/changes/{newer.number}/decide/" in html  # the board decides from here
    assert "/decide/" not in client_for(owner).get("/changes/calendar/cab/").content.decode()


def test_the_maintenance_page_shows_the_services_one_uses(client_for, outsider, service, staging):
    from django.utils import timezone

    item = CatalogItemFactory(service=service)
    ServiceRequest.objects.create(requester=outsider, item=item, form_version=item.current_form, subject="x",
                                  team=service.owner_team)  # fmt: skip
    soon = timezone.now() + dt.timedelta(days=2)
    ChangeFactory(services=[service], environment=staging, visible_to_end_users=True, public_title="Upgrade night",
                  title="Internal codename", planned_start=soon, planned_end=soon + HOUR)  # fmt: skip
    WindowFactory(kind="maintenance", title="Patch night", all_services=False, services=[service],
                  starts_at=soon, ends_at=soon + HOUR)  # fmt: skip
    html = client_for(outsider).get("/maintenance/").content.decode()
    assert "Upgrade night" in html and "Patch night" in html and "Internal codename" not in html
    assert "Payments" in html
