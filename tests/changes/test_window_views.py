"""HTML pages of freeze and maintenance windows: everyone reads, managers and administrators create and edit."""

import datetime as dt

import pytest

from apps.changes.gate import gate_decide
from apps.changes.models import Window
from apps.core.models import AuditEvent
from tests.changes.factories import WindowFactory

pytestmark = pytest.mark.django_db


def window_data(**extra):
    return {
        "kind": "freeze", "title": "Summer sale", "reason": "Peak traffic", "services": ["payments"],
        "environments": ["production"], "timezone": "Europe/Amsterdam", "starts_at": "2030-07-05T16:00",
        "ends_at": "2030-07-08T07:00", "rrule": "FREQ=WEEKLY;BYDAY=FR", **extra,
    }  # fmt: skip


def test_everyone_reads_the_list_and_only_managers_get_the_buttons(client_for, owner, manager, client):
    window = WindowFactory(title="Quarter close", reason="Books")
    html = client_for(owner).get("/changes/windows/").content.decode()
    assert "Quarter close" in html and "/changes/windows/new/" not in html and "/edit/" not in html
    html = client_for(manager).get("/changes/windows/").content.decode()
    assert "/changes/windows/new/" in html and f"/changes/windows/{window.pk}/edit/" in html
    assert client.get("/changes/windows/").status_code == 302  # to the login page


def test_the_old_new_window_url_leads_to_the_calendars_builder(client_for, manager, service, production):
    client = client_for(manager)
    answer = client.get("/changes/windows/new/")
    assert answer.status_code == 302 and answer["Location"] == "/changes/calendar/windows/new/"
    assert client.get(answer["Location"]).status_code == 200  # the builder
    answer = client.post("/changes/windows/new/", window_data())
    assert answer.status_code == 302 and answer["Location"] == "/changes/calendar/windows/new/"
    assert not Window.objects.exists()  # the builder creates windows, this URL no longer does


def test_a_manager_edits_a_window_read_in_its_own_time_zone(client_for, manager, service, production):
    window = WindowFactory(created_by=manager)
    answer = client_for(manager).post(f"/changes/windows/{window.pk}/edit/", window_data(is_active="on"))
    assert answer.status_code == 302 and answer["Location"] == "/changes/windows/"
    window.refresh_from_db()
    assert window.starts_at == dt.datetime(2030, 7, 5, 14, 0, tzinfo=dt.UTC)  # 16:00 in Amsterdam (CEST)
    assert window.rrule == "FREQ=WEEKLY;BYDAY=FR" and window.is_active
    assert [s.slug for s in window.services.all()] == ["payments"]
    assert AuditEvent.objects.filter(target_type="changes.window", verb="edited").count() == 1


def test_a_refused_window_keeps_what_was_typed(client_for, manager, service, production):
    window = WindowFactory(title="Before")
    url = f"/changes/windows/{window.pk}/edit/"
    data = window_data(title="Keep me", ends_at="2030-07-01T10:00", rrule="FREQ=SECONDLY", timezone="Mars/Base")
    answer = client_for(manager).post(url, data)
    html = answer.content.decode()
    assert answer.status_code == 200 and 'value="Keep me"' in html and 'value="FREQ=SECONDLY"' in html
    assert "Mars/Base" in html
    answer = client_for(manager).post(url, window_data(ends_at="2030-07-01T10:00"))
    assert "The end must come after the start." in answer.content.decode()
    answer = client_for(manager).post(url, window_data(services=[], rrule="FREQ=HOURLY"))
    html = answer.content.decode()
    assert "Choose services, or apply the window to all services." in html and "at most daily" in html
    window.refresh_from_db()
    assert window.title == "Before"


def test_only_managers_and_admins_create_and_edit(client_for, owner, agent, admin_user, service, production):
    window = WindowFactory()
    for person in (owner, agent):
        client = client_for(person)
        assert client.get("/changes/windows/new/").status_code == 403
        assert client.post("/changes/windows/new/", window_data()).status_code == 403
        assert client.post(f"/changes/windows/{window.pk}/edit/", window_data()).status_code == 403
    assert Window.objects.count() == 1
    assert client_for(admin_user).get("/changes/windows/new/").status_code == 302  # to the builder
    assert client_for(admin_user).get("/changes/windows/999999/edit/").status_code == 404


def test_editing_a_freeze_is_seen_by_the_gate_at_once(client_for, manager, make_change, production, service):
    change = make_change(environment=production, rollback_plan="x")
    window = WindowFactory(title="Incident freeze", environments=[production])
    assert gate_decide(change).decision == "no-go"
    page = client_for(manager).get(f"/changes/windows/{window.pk}/edit/").content.decode()
    assert 'value="Incident freeze"' in page
    data = {
        "kind": "freeze", "title": "Incident freeze (lifted)", "all_services": "on", "environments": ["production"],
        "timezone": "UTC", "starts_at": window.starts_at.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": window.ends_at.strftime("%Y-%m-%dT%H:%M"),
    }  # fmt: skip  # is_active left out: unticked
    assert client_for(manager).post(f"/changes/windows/{window.pk}/edit/", data).status_code == 302
    window.refresh_from_db()
    assert window.title == "Incident freeze (lifted)" and not window.is_active
    assert gate_decide(change).decision == "wait"  # medium, awaiting a peer: no longer frozen
    edited = AuditEvent.objects.get(target_type="changes.window", verb="edited")
    assert set(edited.data["fields"]) == {"title", "is_active"}
