"""Defect 1 (issue 6): a failed run's details (endpoint URL and query string, response body, error text) reach
only the fulfilling team's agents and admins, redacted; everyone else reads a status and a human message.
One regression test per surface: runs API (token and session, list and detail), the request page's panel,
the timeline, the status email and the admin."""

import re

import pytest
from django.template.loader import render_to_string
from rest_framework.test import APIClient

from apps.accounts.services import token_create
from apps.automation.models import AutomationRun, HttpEndpoint
from apps.automation.selectors import FAILED_MESSAGE
from apps.automation.services import run_execute
from apps.core.models import AuditEvent
from apps.core.services import audit_record
from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.services import request_create
from tests.factories import CatalogItemFactory, UserFactory

S = RequestStatus
URL = "/api/v1/automation-runs/"
ENDPOINT_SECRET = "pink-elephant-42"  # in the endpoint's URL path too; matches no pattern: only scrubbing hides it
QUERY_TOKEN = "qs-token-9f8e7d"
# Strings of the details that must never reach a non-agent (and the secrets, not even agents).
DETAILS = ("answered 400", "X-Steward-Signature", "/echo/400", "127.0.0.1")
SECRETS = (ENDPOINT_SECRET, QUERY_TOKEN)


@pytest.fixture
def failed(owner, desk_team, local_server, mocker, django_capture_on_commit_callbacks):
    """A request whose http run failed: the endpoint answered 400 echoing the signed call it got."""
    base, _received = local_server
    HttpEndpoint.objects.create(
        name="Hook",
        slug="hook",
        url=f"{base}/{ENDPOINT_SECRET}/echo/400?token={QUERY_TOKEN}",
        secret=ENDPOINT_SECRET,
        timeout_seconds=5,
    )
    item = CatalogItemFactory(
        slug="webhook", fulfilling_team=desk_team, fulfilment_mode="automated",
        automation_action="http", automation_config={"endpoint": "hook"},
    )  # fmt: skip
    mocker.patch("apps.automation.tasks.automation_execute_run.delay")
    with django_capture_on_commit_callbacks(execute=True):
        sr = request_create(item=item, requester=owner, answers={"reason": "password=hunter2"})
    run = run_execute(run_id=AutomationRun.objects.get().pk)
    assert run.status == "failed"
    sr.refresh_from_db()
    assert sr.status == S.FAILED
    return sr


@pytest.fixture
def other_agent(other_team):
    return UserFactory(username="other-agent", roles=["Agents"], member_of=[other_team])


def by_token(user):
    client = APIClient()
    key = token_create(user=user, name="t", scopes=["requests"], access="read")[1]
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def by_session(user):
    client = APIClient()
    client.force_login(user)
    return client


def assert_no_secret(text):
    for secret in SECRETS:
        assert secret not in text


@pytest.mark.django_db
def test_secrets_are_scrubbed_from_the_stored_run(failed):
    run = AutomationRun.objects.get()
    assert "answered 400" in run.error and "[redacted]/echo/400?[redacted]" in run.error
    assert_no_secret(run.error + str(run.output))
    assert "hunter2" not in run.error  # the echoed answers: "password=..." is a secret pattern


@pytest.mark.django_db
@pytest.mark.parametrize("client", [by_token, by_session], ids=["token", "session"])
def test_api_gives_non_agents_a_status_and_a_message_only(client, failed, owner, teammate):
    failed.watchers.add(teammate)
    for user in (owner, teammate):  # the requester, and a colleague watching the request
        listed = client(user).get(URL, {"subject_id": str(failed.pk)})
        one = client(user).get(f"{URL}{AutomationRun.objects.get().pk}/")
        for response in (listed, one):
            assert response.status_code == 200
            for detail in DETAILS:
                assert detail not in response.content.decode()
            assert_no_secret(response.content.decode())
        row = one.json()
        assert (row["status"], row["message"], row["output"], row["error"]) == ("failed", FAILED_MESSAGE, None, None)
        assert listed.json()["results"] == [row]


@pytest.mark.django_db
@pytest.mark.parametrize("client", [by_token, by_session], ids=["token", "session"])
def test_api_gives_agents_of_the_team_and_admins_the_redacted_details(client, failed, agent, admin_user):
    for user in (agent, admin_user):
        row = client(user).get(f"{URL}{AutomationRun.objects.get().pk}/").json()
        assert (
            "answered 400" in row["error"] and "/echo/400?[redacted]" in row["error"] and "hunter2" not in row["error"]
        )
        assert row["message"] == FAILED_MESSAGE
        assert_no_secret(str(row))
        [listed] = client(user).get(URL, {"subject_id": str(failed.pk)}).json()["results"]
        assert listed == row


@pytest.mark.django_db
def test_an_agent_of_another_team_sees_no_details(failed, other_agent, other_team):
    # Made a watcher, so that the request (and its run) is visible to them.
    failed.watchers.add(other_agent)
    row = by_token(other_agent).get(f"{URL}{AutomationRun.objects.get().pk}/").json()
    assert (row["message"], row["output"], row["error"]) == (FAILED_MESSAGE, None, None)


@pytest.mark.django_db
def test_request_page_panel_and_timeline_show_the_requester_only_the_message(client_for, failed, owner):
    html = client_for(owner).get(failed.get_absolute_url()).content.decode()
    assert FAILED_MESSAGE in html and "Retry automation" not in html
    for detail in DETAILS:
        assert detail not in html
    assert_no_secret(html)


@pytest.mark.django_db
def test_request_page_shows_the_agent_the_redacted_details(client_for, failed, agent):
    html = client_for(agent).get(failed.get_absolute_url()).content.decode()
    assert "answered 400" in html and "[redacted]" in html and "Retry automation" in html
    assert_no_secret(html)


@pytest.mark.django_db
def test_panel_fragment_follows_the_same_rule(client_for, failed, owner, agent):
    url = f"/automation/runs/fulfillment.servicerequest/{failed.pk}/"
    assert "answered 400" not in client_for(owner).get(url, headers={"HX-Request": "true"}).content.decode()
    assert "answered 400" in client_for(agent).get(url, headers={"HX-Request": "true"}).content.decode()


@pytest.mark.django_db
def test_the_failure_recorded_on_the_request_is_the_human_message(failed):
    event = AuditEvent.objects.get(verb="status_changed", data__to=S.FAILED)
    assert event.data["comment"] == FAILED_MESSAGE  # what the timeline and every follower's email show


@pytest.mark.django_db
def test_a_failure_note_recorded_before_the_fix_is_hidden_from_the_timeline(client_for, failed, owner, agent):
    legacy = f"Automation (http) failed: http://127.0.0.1:1/echo/400?token={QUERY_TOKEN} answered 400: boom"
    audit_record(target=failed, verb="status_changed", actor=None, comment=legacy, **{"from": "failed", "to": "failed"})

    owner_html = client_for(owner).get(failed.get_absolute_url()).content.decode()
    agent_html = client_for(agent).get(failed.get_absolute_url()).content.decode()
    assert "boom" not in owner_html and QUERY_TOKEN not in owner_html
    assert "boom" in agent_html and QUERY_TOKEN not in agent_html


@pytest.mark.django_db
def test_the_status_email_never_carries_details(failed):
    legacy = f"Automation (http) failed: http://127.0.0.1:1/echo/400?token={QUERY_TOKEN} answered 400: boom"
    for comment in (AuditEvent.objects.get(verb="status_changed", data__to=S.FAILED).data["comment"], legacy):
        event = AuditEvent(verb="status_changed", data={"from": "in_progress", "to": "failed", "comment": comment})
        body = render_to_string(
            "fulfillment/email/status.txt", {"event": event, "sr": failed, "url": "u", "from": "a", "to": "b"}
        )
        assert FAILED_MESSAGE in body and "boom" not in body and QUERY_TOKEN not in body


@pytest.mark.django_db
def test_admin_never_shows_the_endpoint_secret_and_shows_runs_redacted(client_for, failed, admin_user):
    client = client_for(admin_user)
    endpoint = HttpEndpoint.objects.get()
    form = client.get(f"/admin/automation/httpendpoint/{endpoint.pk}/change/").content.decode()
    [secret_input] = re.findall(r'<input[^>]*name="new_secret"[^>]*>', form)
    assert 'type="password"' in secret_input and "value=" not in secret_input and "A secret is set" in form
    assert "gAAAAA" not in form  # nor its encrypted form
    run_page = client.get(f"/admin/automation/automationrun/{AutomationRun.objects.get().pk}/change/")
    assert run_page.status_code == 200 and "answered 400" in run_page.content.decode()
    assert_no_secret(run_page.content.decode())


@pytest.mark.django_db
def test_admin_keeps_the_secret_when_left_blank_and_replaces_it_when_typed(client_for, admin_user):
    client = client_for(admin_user)
    data = {"name": "Hook", "slug": "hook", "url": "https://hooks.example.com/x", "timeout_seconds": 10}
    assert "Give the endpoint a secret" in client.post("/admin/automation/httpendpoint/add/", data).content.decode()
    assert client.post("/admin/automation/httpendpoint/add/", {**data, "new_secret": "first"}).status_code == 302
    endpoint = HttpEndpoint.objects.get()
    change = f"/admin/automation/httpendpoint/{endpoint.pk}/change/"

    assert client.post(change, {**data, "name": "Renamed"}).status_code == 302
    assert HttpEndpoint.objects.get().secret == "first"
    assert client.post(change, {**data, "new_secret": "second"}).status_code == 302
    assert HttpEndpoint.objects.get().secret == "second"
