"""Opening a change writes its row once, as it ends up: what the answer shows is what is stored, nothing is lost."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.services import token_create
from apps.catalog.choices import ServiceStatus
from apps.changes.api.serializers import ChangeCreateSerializer, ChangeSerializer
from apps.changes.choices import ChangeStatus
from apps.changes.models import Change, ChangeApproval
from apps.changes.selectors import change_timeline
from apps.changes.services import ChangeData, change_create
from apps.core.models import AuditEvent
from apps.core.services import audit_batch, audit_record
from tests.factories import ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db
S = ChangeStatus


def token_client(user):
    key = token_create(user=user, name="ci", scopes=["changes"], access="write")[1]
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


def run_body(**extra):
    return {
        "title": "Deploy payments", "services": ["payments"], "environment": "staging", "ci_system": "github",
        "ci_repository": "acme/payments", "ci_workflow": "deploy.yml", "ci_run_id": "901", "commit_sha": "ab" * 20,
        "tests_passed": 12, "tests_failed": 0, "rollback_plan": "helm rollback", **extra,
    }  # fmt: skip


def post(client, body):
    return client.post("/api/v1/changes/", body, content_type="application/json")


def writes(queries, table):
    return [q["sql"] for q in queries if q["sql"].startswith(("INSERT", "UPDATE", "WITH")) and table in q["sql"]]


def test_a_pipeline_change_is_inserted_once_and_never_updated(pipeline, service, staging):
    client = token_client(pipeline)
    with CaptureQueriesContext(connection) as queries:
        answer = post(client, run_body())
    assert answer.status_code == 201, answer.json()
    change_writes = [sql for sql in writes(queries.captured_queries, '"changes_change"') if "UPDATE" in sql[:7]]
    inserts = [sql for sql in queries.captured_queries if sql["sql"].startswith('INSERT INTO "changes_change" ')]
    assert change_writes == [] and len(inserts) == 1

    change = Change.objects.get(ci_run_id="901")
    assert change.status == S.APPROVED and change.version == 3 and change.approved_at is not None
    assert list(change.services.all()) == [service]
    approval = ChangeApproval.objects.get(change=change)
    assert approval.kind == "policy" and approval.decision == "approved" and approval.round == 1
    events = list(change_timeline(change))
    assert [e.verb for e in events] == ["created", "status_changed", "scored", "approval_decided", "status_changed"]
    assert {e.target_id for e in events} == {str(change.pk)}
    assert [(e.data.get("from"), e.data.get("to")) for e in events if e.verb == "status_changed"] == [
        ("draft", "assessing"),
        ("assessing", "approved"),
    ]
    assert events[0].actor == pipeline and events[3].actor is None  # who: the pipeline, then the policy
    assert "window_moved" not in [e.verb for e in events]  # approved as its window opens: nothing moved


def test_the_answer_to_a_creation_is_what_a_read_finds(pipeline, service, production):
    """The answer is built from the change in memory: it must equal the stored row read back."""
    client = token_client(pipeline)
    created = post(client, run_body(environment="production"))  # medium: waits for a peer
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == S.AWAITING_APPROVAL and body["tier"] == "medium"
    read = client.get(f"/api/v1/changes/{body['number']}/")
    assert read.status_code == 200
    assert read.json() == body and read["ETag"] == created["ETag"]


def test_a_low_change_answer_matches_its_row_too(pipeline, service, staging):
    client = token_client(pipeline)
    created = post(client, run_body(ci_run_id="903"))
    read = client.get(f"/api/v1/changes/{created.json()['number']}/")
    assert created.json() == read.json() and created.json()["status"] == S.APPROVED


def test_a_failed_creation_leaves_nothing_behind(pipeline, service, staging):
    client = token_client(pipeline)
    events, approvals = AuditEvent.objects.count(), ChangeApproval.objects.count()
    bad = post(client, run_body(planned_start="2030-01-01T10:00:00Z", planned_end="2030-01-01T09:00:00Z"))
    assert bad.status_code == 400 and "planned_end" in bad.json()
    assert Change.objects.count() == 0
    assert (AuditEvent.objects.count(), ChangeApproval.objects.count()) == (events, approvals)


def test_a_draft_is_inserted_as_draft_with_its_event(owner, service, staging):
    now = timezone.now()
    data = ChangeData(
        title="Later", services=[service], environment=staging, planned_start=now, planned_end=now + dt.timedelta(1)
    )
    change = change_create(requester=owner, data=data, submit=False)
    stored = Change.objects.get(pk=change.pk)
    assert stored.status == S.DRAFT and stored.version == 1 and stored.tier == ""
    assert [e.verb for e in change_timeline(stored)] == ["created"]
    assert list(stored.services.all()) == [service]


def test_an_event_about_an_unsaved_row_needs_a_batch_that_saves_it(owner, service, staging):
    now = timezone.now()
    unsaved = Change(title="x", environment=staging, requester=owner, planned_start=now, planned_end=now)
    with pytest.raises(ValueError, match="audit_batch"):
        audit_record(target=unsaved, verb="created", actor=owner)
    with pytest.raises(ValueError, match="never saved"), audit_batch():
        audit_record(target=unsaved, verb="created", actor=owner)
    assert not AuditEvent.objects.filter(verb="created", target_type="changes.change").exists()


def test_service_visibility_follows_each_caller_though_fields_are_shared(pipeline, service, staging, owner_team):
    """Serializers share their fields (SharedFields) and the slug lookup is compiled once per shape: who may name a
    retired service is still decided per request."""
    ServiceFactory(slug="legacy", name="Legacy", owner_team=owner_team, status=ServiceStatus.RETIRED)
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    refused = post(token_client(pipeline), run_body(services=["payments", "legacy"]))
    assert refused.status_code == 400 and refused.json() == {"services": ["Unknown service: legacy."]}
    accepted = post(token_client(admin), run_body(services=["legacy", "payments", "legacy"], ci_run_id="904"))
    assert accepted.status_code == 201, accepted.json()
    assert accepted.json()["services"] == ["legacy", "payments"]  # by name, once each
    again = post(token_client(pipeline), run_body(services=["legacy"], ci_run_id="905"))
    assert again.status_code == 400


def test_shared_fields_are_built_once_per_class_and_report_errors_per_field(pipeline, service, staging):
    first, second = ChangeCreateSerializer(data={}), ChangeCreateSerializer(data={})
    assert first.fields is second.fields
    assert ChangeSerializer().fields is not first.fields
    bad = post(token_client(pipeline), run_body(tests_passed=-1, environment="nowhere", bogus=1))
    assert bad.status_code == 400 and set(bad.json()) == {"bogus"}  # unknown fields first, then each field
    bad = post(token_client(pipeline), run_body(tests_passed=-1, environment="nowhere"))
    assert bad.status_code == 400 and set(bad.json()) == {"tests_passed", "environment"}
