"""Editing a change: the HTML form and PATCH /api/v1/changes/{number}/, both through change_update."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.services import token_create
from apps.changes.models import Change
from apps.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def verbs(change):
    return list(
        AuditEvent.objects.filter(target_id=str(change.pk), target_type="changes.change").values_list("verb", flat=True)
    )


def local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def form_data(change, **edits):
    """The edit form as the browser sends it back untouched, plus ``edits``."""
    data = {
        "title": change.title, "description": change.description, "services": [s.slug for s in change.services.all()],
        "environment": change.environment.slug, "planned_start": local(change.planned_start),
        "planned_end": local(change.planned_end), "implementation_plan": change.implementation_plan,
        "rollback_plan": change.rollback_plan, "test_links": "\r\n".join(change.test_links),
        "tests_passed": change.tests_passed or "", "tests_failed": change.tests_failed or "",
        "commit_sha": change.commit_sha, "public_title": change.public_title, "version": change.version,
    }  # fmt: skip
    return {**data, **edits}


def patch(client, change, body, **headers):
    return client.patch(f"/api/v1/changes/{change.number}/", body, content_type="application/json", headers=headers)


def test_edit_page_for_requester_teammate_manager_agent_outsider(
    make_change, client_for, owner, teammate, manager, agent, outsider
):
    change = make_change(title="Deploy payments 2")
    url = f"/changes/{change.number}/edit/"
    page = client_for(owner).get(url)
    assert page.status_code == 200 and 'value="Deploy payments 2"' in page.content.decode()
    assert client_for(teammate).get(url).status_code == 200  # owner-team member
    assert client_for(manager).get(url).status_code == 200
    assert client_for(agent).get(url).status_code == 403  # sees every change, edits none
    assert client_for(outsider).get(url).status_code == 404
    assert f'href="{url}"' in client_for(owner).get(change.get_absolute_url()).content.decode()
    assert f'href="{url}"' not in client_for(agent).get(change.get_absolute_url()).content.decode()


def test_an_untouched_form_keeps_the_approval(make_change, client_for, owner):
    change = make_change()  # staging, low: approved by policy; its window has seconds the form does not show
    assert change.status == "approved" and change.planned_start.second + change.planned_start.microsecond
    answer = client_for(owner).post(f"/changes/{change.number}/edit/", form_data(change))
    assert answer.status_code == 302 and answer["Location"] == change.get_absolute_url()
    stored = Change.objects.get(pk=change.pk)
    assert stored.approval_round == 1 and stored.version == change.version and "edited" not in verbs(change)


def test_moving_the_window_in_the_form_withdraws_the_approval_and_routes_again(make_change, client_for, owner):
    change = make_change()
    end = change.planned_end + dt.timedelta(hours=2)
    answer = client_for(owner).post(f"/changes/{change.number}/edit/", form_data(change, planned_end=local(end)))
    assert answer.status_code == 302
    stored = Change.objects.get(pk=change.pk)
    assert stored.approval_round == 2 and stored.status == "approved"  # low again: approved by policy again
    assert {"edited", "approvals_reset"} <= set(verbs(change))
    assert stored.planned_start == change.planned_start  # the untouched start keeps its seconds


def test_a_refused_edit_keeps_what_was_typed_and_writes_nothing(make_change, client_for, owner):
    change = make_change()
    data = form_data(change, title="Typed title", planned_end="2001-01-01T10:00", commit_sha="zzz")
    answer = client_for(owner).post(f"/changes/{change.number}/edit/", data)
    html = answer.content.decode()
    assert answer.status_code == 200 and 'value="Typed title"' in html and 'value="zzz"' in html
    assert "The planned end must come after the planned start." in html
    assert Change.objects.get(pk=change.pk).version == change.version


def test_a_stale_form_answers_409_and_writes_nothing(make_change, client_for, owner, teammate):
    change = make_change()
    stale = form_data(change, title="Mine")
    client_for(teammate).post(f"/changes/{change.number}/edit/", form_data(change, title="Theirs"))
    answer = client_for(owner).post(f"/changes/{change.number}/edit/", stale)
    assert answer.status_code == 409 and "changed by someone else" in answer.content.decode()
    assert 'value="Mine"' in answer.content.decode()
    assert Change.objects.get(pk=change.pk).title == "Theirs"


def test_no_edit_once_in_progress(make_change, client_for, owner):
    change = make_change()
    Change.objects.filter(pk=change.pk).update(status="in_progress")
    assert client_for(owner).get(f"/changes/{change.number}/edit/").status_code == 403
    assert patch(client_for(owner), change, {"title": "Late"}).status_code == 403


def test_patch_writes_the_fields_sent_and_answers_the_new_etag(make_change, client_for, owner):
    change = make_change(description="Keep me")
    client = client_for(owner)
    etag = client.get(f"/api/v1/changes/{change.number}/")["ETag"]
    assert etag == f'"{change.version}"'
    answer = patch(client, change, {"title": "Renamed"}, if_match=etag)
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["title"] == "Renamed" and body["description"] == "Keep me" and body["approval_round"] == 1
    assert answer["ETag"] == f'"{body["version"]}"' and body["version"] > change.version


def test_patch_with_a_stale_if_match_is_409_and_a_malformed_one_412(make_change, client_for, owner):
    change = make_change()
    client = client_for(owner)
    assert patch(client, change, {"title": "One"}, if_match=f'"{change.version}"').status_code == 200
    stale = patch(client, change, {"title": "Two"}, if_match=f'"{change.version}"')
    assert stale.status_code == 409 and "someone else" in stale.json()["detail"]
    assert patch(client, change, {"title": "Two"}, if_match="yesterday").status_code == 412
    assert Change.objects.get(pk=change.pk).title == "One"
    assert patch(client, change, {"title": "Two"}).status_code == 200  # no If-Match: the last write wins


def test_patch_raising_the_tier_of_an_approved_change_routes_it_again(make_change, client_for, owner, teammate):
    change = make_change(rollback_plan="revert")
    assert change.tier == "low" and change.status == "approved"
    answer = patch(client_for(owner), change, {"tests_failed": 2, "tests_passed": 10})  # +40: medium
    body = answer.json()
    assert answer.status_code == 200 and body["tier"] == "medium" and body["status"] == "awaiting_approval"
    assert body["approval_round"] == 2 and body["approved_at"] is None


def test_an_edit_that_lowers_the_tier_of_a_pending_change_routes_it_again(make_change, owner):
    from apps.changes.services import change_update

    change = make_change(tests_failed=3, tests_passed=1, rollback_plan="revert")
    assert change.tier == "medium" and change.status == "awaiting_approval"
    change_update(change=change, actor=owner, tests_failed=0)
    stored = Change.objects.get(pk=change.pk)
    assert stored.tier == "low" and stored.status == "approved" and stored.approval_round == 2


def test_patch_refusals(make_change, client_for, owner, agent, outsider):
    change = make_change()
    assert patch(client_for(outsider), change, {"title": "x"}).status_code == 404
    assert patch(client_for(agent), change, {"title": "x"}).status_code == 403
    unknown = patch(client_for(owner), change, {"title": "x", "colour": "red"})
    assert unknown.status_code == 400 and set(unknown.json()) == {"colour"}
    bad = patch(client_for(owner), change, {"services": ["nope"], "environment": "mars"})
    assert bad.status_code == 400 and set(bad.json()) == {"services", "environment"}
    order = patch(client_for(owner), change, {"planned_end": "2001-01-01T00:00:00Z"})
    assert order.status_code == 400 and "planned_end" in order.json()
    key = token_create(user=owner, name="ro", scopes=["changes"], access="read")[1]
    assert patch(Client(HTTP_AUTHORIZATION=f"Token {key}"), change, {"title": "x"}).status_code == 403
    assert Change.objects.get(pk=change.pk).version == change.version
