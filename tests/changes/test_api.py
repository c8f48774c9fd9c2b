"""The changes API: scope, idempotent pipeline creation, the gate, outcomes, decisions, visibility."""

import threading

import pytest
from django.db import connection
from django.test import Client

from apps.accounts.services import token_create
from apps.changes.models import Change, parse_number

pytestmark = pytest.mark.django_db


def token_client(user, scopes=("changes",), access="write"):
    key = token_create(user=user, name="ci", scopes=list(scopes), access=access)[1]
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


def run_body(**extra):
    return {
        "title": "Deploy payments 1.2.3", "services": ["payments"], "environment": "staging",
        "ci_system": "github", "ci_repository": "acme/payments", "ci_workflow": "deploy.yml", "ci_run_id": "77",
        "ci_run_attempt": 1, "commit_sha": "ab" * 20, "ci_actor": "teammate", **extra,
    }  # fmt: skip


def post(client, body):
    return client.post("/api/v1/changes/", body, content_type="application/json")


def test_a_pipeline_opens_a_change_once_and_gets_go(pipeline, service, staging, teammate):
    client = token_client(pipeline)
    first = post(client, run_body())
    assert first.status_code == 201, first.json()
    body = first.json()
    assert body["number"].startswith("CHG-") and body["tier"] == "low" and body["ci_actor"] == "teammate"
    again = post(client, run_body())
    assert again.status_code == 200 and again.json()["number"] == body["number"]
    assert Change.objects.count() == 1

    gate = client.get(f"/api/v1/changes/{body['number']}/gate/")
    assert gate.status_code == 200
    assert gate.json()["decision"] == "go" and gate.json()["change_url"].endswith(f"/changes/{body['number']}/")
    assert "Retry-After" not in gate


def test_the_gate_says_wait_with_retry_after_then_go_after_a_peer_approves(pipeline, service, production, teammate):
    client = token_client(pipeline)
    number = post(client, run_body(environment="production", rollback_plan="helm rollback")).json()["number"]
    gate = client.get(f"/api/v1/changes/{number}/gate/")
    assert gate.json()["decision"] == "wait" and gate["Retry-After"] == "10"
    assert gate.json()["tier"] == "medium" and gate.json()["rules_fired"][0]["name"] == "production"
    scored = Change.objects.get(pk=parse_number(number))
    assert scored.policy_version is not None and gate.json()["policy_version"] == scored.policy_version
    saw = gate.json()["rules_fired"][0]["saw"]  # what the rule read, as the change's snapshot has it
    assert saw and all(scored.attributes[name] == value for name, value in saw.items())

    refused = token_client(teammate).post(
        f"/api/v1/changes/{number}/decide/", {"decision": "approve"}, content_type="application/json"
    )
    assert refused.status_code == 403  # teammate is the CI actor of this run
    peer = Client()
    from tests.factories import UserFactory

    other = UserFactory(username="peer", member_of=[service.owner_team])
    peer.force_login(other)
    decided = peer.post(f"/api/v1/changes/{number}/decide/", {"decision": "approve"}, content_type="application/json")
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    assert client.get(f"/api/v1/changes/{number}/gate/").json()["decision"] == "go"


def test_outcomes_are_recorded(pipeline, service, staging):
    client = token_client(pipeline)
    number = post(client, run_body()).json()["number"]
    client.get(f"/api/v1/changes/{number}/gate/")
    for outcome, status in (("started", "in_progress"), ("succeeded", "completed")):
        answer = client.post(
            f"/api/v1/changes/{number}/outcome/", {"outcome": outcome}, content_type="application/json"
        )
        assert answer.status_code == 200 and answer.json()["status"] == status
    assert answer.json()["deployed_without_go"] is False
    bad = client.post(f"/api/v1/changes/{number}/outcome/", {"outcome": "exploded"}, content_type="application/json")
    assert bad.status_code == 400 and "outcome" in bad.json()


def test_an_outcome_without_a_go_is_flagged(pipeline, service, staging):
    client = token_client(pipeline)
    number = post(client, run_body()).json()["number"]
    answer = client.post(f"/api/v1/changes/{number}/outcome/", {"outcome": "started"}, content_type="application/json")
    assert answer.json()["deployed_without_go"] is True
    listed = client.get("/api/v1/changes/?deployed_without_go=true").json()["results"]
    assert [row["number"] for row in listed] == [number]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"services": ["nope"]}, "services"),
        ({"environment": "moon"}, "environment"),
        ({"planned_start": "2030-01-02T10:00:00Z", "planned_end": "2030-01-01T10:00:00Z"}, "planned_end"),
        ({"commit_sha": "xyz"}, "commit_sha"),
        ({"paths": ["a"] * 201}, "paths"),
        ({"title": "a\x00b"}, "title"),
        ({"unknown": 1}, "unknown"),
        ({"template": "missing"}, "template"),
    ],
)
def test_bad_input_answers_400_naming_the_field(pipeline, service, staging, extra, field):
    answer = post(token_client(pipeline), run_body(**extra))
    assert answer.status_code == 400 and field in answer.json(), answer.json()
    assert not Change.objects.exists()


def test_scope_and_access_are_enforced(pipeline, service, staging):
    assert post(token_client(pipeline, scopes=("requests",)), run_body()).status_code == 403
    assert post(token_client(pipeline, access="read"), run_body()).status_code == 403
    assert post(Client(), run_body()).status_code in (401, 403)
    assert Client(HTTP_AUTHORIZATION="Token wrong").get("/api/v1/changes/").status_code == 401


def test_hidden_and_unknown_changes_answer_404(make_change, outsider, owner):
    change = make_change()
    assert token_client(outsider).get(f"/api/v1/changes/{change.number}/gate/").status_code == 404
    assert token_client(owner).get("/api/v1/changes/CHG-999999/gate/").status_code == 404
    assert token_client(owner).get("/api/v1/changes/garbage/").status_code == 404
    assert token_client(owner, access="read").get(f"/api/v1/changes/{change.number}/gate/").status_code == 200


def test_list_filters_and_visibility(make_change, owner, outsider, agent, production):
    mine = make_change(environment=production)
    make_change()
    as_owner = token_client(owner).get("/api/v1/changes/?environment=production").json()["results"]
    assert [row["number"] for row in as_owner] == [mine.number]
    assert token_client(outsider).get("/api/v1/changes/").json()["results"] == []
    assert len(token_client(agent).get("/api/v1/changes/").json()["results"]) == 2  # a staff role sees all
    assert token_client(owner).get("/api/v1/changes/?service_id=0").status_code == 400


def test_windows_api_managers_create_others_read(manager, owner, production, service):
    body = {
        "kind": "freeze",
        "title": "Release freeze",
        "all_services": True,
        "environments": ["production"],
        "starts_at": "2030-12-20T00:00:00Z",
        "ends_at": "2031-01-04T00:00:00Z",
        "timezone": "Europe/Paris",
    }
    assert token_client(owner).post("/api/v1/change-windows/", body, content_type="application/json").status_code == 403
    created = token_client(manager).post("/api/v1/change-windows/", body, content_type="application/json")
    assert created.status_code == 201, created.json()
    bad = token_client(manager).post(
        "/api/v1/change-windows/", {**body, "rrule": "FREQ=MINUTELY"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "rrule" in bad.json()
    assert len(token_client(owner).get("/api/v1/change-windows/").json()["results"]) == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_identical_posts_open_one_change(pipeline, service, staging):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises the whole database)")
    key = token_create(user=pipeline, name="ci", scopes=["changes"], access="write")[1]
    barrier, answers = threading.Barrier(2), []

    def call():
        client = Client(HTTP_AUTHORIZATION=f"Token {key}")
        barrier.wait()
        answers.append(post(client, run_body()))
        connection.close()

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [200, 201]
    assert len({a.json()["number"] for a in answers}) == 1 and Change.objects.count() == 1
