"""Moving a change on the calendar (drag as JSON, or the keyboard form): refused into a freeze with the reason,
saved elsewhere through change_update (timeline, approvals reset as the change rules say)."""

import datetime as dt

import pytest

from apps.changes.models import Change
from apps.changes.services import change_decide
from apps.core.models import AuditEvent
from tests.changes.factories import WindowFactory
from tests.schedule.conftest import iso

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def approved(make_change, production, teammate, future):
    """A medium change on production (production scores 40), approved by a peer of the owner team."""
    change = make_change(environment=production, planned_start=future, planned_end=future + HOUR,
                         rollback_plan="Redeploy", tests_passed=3, tests_failed=0)  # fmt: skip
    assert change.status == "awaiting_approval" and change.tier == "medium"
    return change_decide(change=change, actor=teammate, decision="approved")


@pytest.fixture
def freeze(future):
    return WindowFactory(kind="freeze", title="Quarter close", reason="Books are closing",
                         starts_at=future + 24 * HOUR, ends_at=future + 48 * HOUR)  # fmt: skip


def move(client, change, start, end, version=None):
    body = {"start": iso(start), "end": iso(end), "version": version or change.version}
    return client.post(f"/changes/calendar/{change.number}/move/", body, content_type="application/json")


def test_a_drag_into_a_freeze_is_refused_with_the_reason(client_for, owner, approved, freeze, future):
    answer = move(client_for(owner), approved, future + 25 * HOUR, future + 26 * HOUR)
    assert answer.status_code == 400
    assert "Quarter close" in answer.json()["message"] and "Books are closing" in answer.json()["message"]
    fresh = Change.objects.get(pk=approved.pk)
    assert fresh.planned_start == future and fresh.status == "approved" and fresh.version == approved.version


def test_a_drag_to_a_free_slot_is_saved_and_resets_the_approval(client_for, owner, approved, freeze, future):
    answer = move(client_for(owner), approved, future + 3 * HOUR, future + 5 * HOUR)
    assert answer.status_code == 200, answer.content
    assert "approvals were withdrawn" in answer.json()["message"]
    fresh = Change.objects.get(pk=approved.pk)
    assert fresh.planned_start == future + 3 * HOUR and fresh.planned_end == future + 5 * HOUR
    assert fresh.status == "awaiting_approval" and fresh.approval_round == approved.approval_round + 1
    edited = AuditEvent.objects.get(target_type="changes.change", target_id=str(fresh.pk), verb="edited")
    assert edited.actor == owner and set(edited.data["fields"]) == {"planned_start", "planned_end"}


def test_a_stale_drag_answers_409_and_bad_input_400(client_for, owner, approved, future):
    client = client_for(owner)
    assert move(client, approved, future + 3 * HOUR, future + 4 * HOUR, version=approved.version + 5).status_code == 409
    assert move(client, approved, future + 4 * HOUR, future + 3 * HOUR).status_code == 400
    answer = client.post(f"/changes/calendar/{approved.number}/move/", "{not json", content_type="application/json")
    assert answer.status_code == 400


def test_only_editors_move(client_for, agent, outsider, approved, future):
    assert move(client_for(agent), approved, future + 3 * HOUR, future + 4 * HOUR).status_code == 403
    assert move(client_for(outsider), approved, future + 3 * HOUR, future + 4 * HOUR).status_code == 404


def test_the_keyboard_form_moves_and_shows_refusals(client_for, owner, approved, freeze, future, settings):
    client = client_for(owner)  # the owner's zone is UTC: the form's local times are UTC here
    url = f"/changes/calendar/{approved.number}/panel/"
    page = client.get(url)
    assert page.status_code == 200 and "Gate:" in page.content.decode() and "Move this change" in page.content.decode()
    into = {"planned_start": (future + 25 * HOUR).strftime("%Y-%m-%dT%H:%M"),
            "planned_end": (future + 26 * HOUR).strftime("%Y-%m-%dT%H:%M"), "version": approved.version}  # fmt: skip
    refused = client.post(url, into, HTTP_HX_REQUEST="true")
    html = refused.content.decode()
    assert refused.status_code == 200 and "Quarter close" in html and "<html" not in html
    assert 'value="' + into["planned_start"] in html  # what was typed is kept
    free = {**into, "planned_start": (future + 3 * HOUR).strftime("%Y-%m-%dT%H:%M"),
            "planned_end": (future + 4 * HOUR).strftime("%Y-%m-%dT%H:%M")}  # fmt: skip
    saved = client.post(url, free, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200 and saved["HX-Trigger"] == "calendar-changed"
    assert "approvals were withdrawn" in saved.content.decode()
    assert Change.objects.get(pk=approved.pk).planned_start == future + 3 * HOUR
