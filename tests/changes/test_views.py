"""HTML pages of changes: owner, teammate and outsider; the list's FilterSet; opening and deciding a change."""

import datetime as dt

import pytest
from django.utils import timezone

from apps.changes.models import Change

pytestmark = pytest.mark.django_db


def test_change_page_for_owner_teammate_outsider(make_change, client_for, owner, teammate, outsider, production):
    change = make_change(environment=production)
    url = change.get_absolute_url()
    page = client_for(owner).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Why this tier?" in html and "production" in html and 'data-gate="wait"' in html
    assert "It saw" in html and "<code>is_production</code> = True" in html  # the value behind the rule
    assert "Waiting for a member of Product" in html
    assert client_for(teammate).get(url).status_code == 200  # an owner-team member
    assert client_for(outsider).get(url).status_code == 404


def test_anonymous_is_sent_to_login(make_change, client):
    assert client.get(make_change().get_absolute_url()).status_code == 302
    assert client.get("/changes/").status_code == 302


def test_list_uses_the_filterset_and_htmx_gets_the_fragment(
    make_change, client_for, owner, outsider, production, django_assert_max_num_queries
):
    shown = make_change(environment=production, title="Prod deploy")
    make_change(title="Staging deploy")
    client = client_for(owner)
    with django_assert_max_num_queries(12):
        page = client.get("/changes/?environment=production")
    html = page.content.decode()
    assert shown.number in html and "Staging deploy" not in html
    fragment = client.get("/changes/?environment=production", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and 'id="change-results"' in fragment
    assert "Prod deploy" not in client_for(outsider).get("/changes/").content.decode()
    assert client.get("/changes/?service_id=abc").status_code == 400


def test_opening_a_change_in_the_form(client_for, owner, service, production):
    start = timezone.localtime() + dt.timedelta(hours=1)
    data = {
        "type": "normal", "title": "Upgrade database", "services": ["payments"], "environment": "production",
        "planned_start": start.strftime("%Y-%m-%dT%H:%M"), "planned_end": (start + dt.timedelta(hours=1)).strftime(
            "%Y-%m-%dT%H:%M"), "rollback_plan": "restore snapshot",
    }  # fmt: skip
    answer = client_for(owner).post("/changes/new/", data)
    change = Change.objects.get()
    assert answer.status_code == 302 and answer["Location"] == change.get_absolute_url()
    assert change.tier == "medium" and change.status == "awaiting_approval"


def test_a_refused_form_keeps_what_was_typed(client_for, owner, service, production):
    data = {
        "type": "normal",
        "title": "Keep me",
        "services": ["payments"],
        "environment": "production",
        "planned_start": "2030-01-02T10:00",
        "planned_end": "2030-01-01T10:00",
        "commit_sha": "zzz",
    }
    answer = client_for(owner).post("/changes/new/", data)
    html = answer.content.decode()
    assert answer.status_code == 200 and 'value="Keep me"' in html
    assert "The planned end must come after the planned start." in html
    assert not Change.objects.exists()


def test_a_peer_approves_in_the_page_and_the_requester_cannot(make_change, client_for, owner, teammate, production):
    change = make_change(environment=production, rollback_plan="x")
    url = f"/changes/{change.number}/decide/"
    assert "Approve</button>" not in client_for(owner).get(change.get_absolute_url()).content.decode()
    refused = client_for(owner).post(url, {"decision": "approved"})
    assert refused.status_code == 200 and "You requested this change" in refused.content.decode()
    assert client_for(teammate).post(url, {"decision": "approved"}).status_code == 302
    change.refresh_from_db()
    assert change.status == "approved"


def test_cancel_needs_edit_rights(make_change, client_for, owner, outsider, agent):
    change = make_change()
    assert client_for(outsider).post(f"/changes/{change.number}/cancel/").status_code == 404
    assert client_for(agent).post(f"/changes/{change.number}/cancel/").status_code == 403  # sees, may not edit
    client_for(owner).post(f"/changes/{change.number}/cancel/")
    change.refresh_from_db()
    assert change.status == "cancelled"
