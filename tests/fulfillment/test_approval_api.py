"""The approvals API: the caller's inbox, deciding, scopes and every documented error."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.models import ServiceRequest
from tests.fulfillment.factories import ServiceRequestFactory

S = RequestStatus
LIST = "/api/v1/approvals/"
pytestmark = pytest.mark.django_db


def decide(sr):
    return f"/api/v1/approvals/{sr.number}/decide/"


@pytest.fixture
def api(api_token):
    def make(user, **kwargs):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user, **kwargs)}")
        return client

    return make


@pytest.fixture
def waiting(owner, manager_item):
    def make(**kwargs):
        kwargs.setdefault("requester", owner)
        kwargs.setdefault("item", manager_item)
        return ServiceRequestFactory(status=S.AWAITING_APPROVAL, **kwargs)

    return make


@pytest.mark.parametrize(
    ("who", "sees"), [("manager", True), ("owner", False), ("teammate", False), ("outsider", False), ("agent", False)]
)
def test_list_is_the_callers_inbox(request, api, waiting, who, sees):
    sr = waiting()

    response = api(request.getfixturevalue(who)).get(LIST)

    assert response.status_code == 200
    assert [row["number"] for row in response.json()["results"]] == ([sr.number] if sees else [])


def test_list_team_approvals_oldest_first(api, waiting, team_item, approver):
    first, second = waiting(item=team_item), waiting(item=team_item)

    numbers = [row["number"] for row in api(approver).get(LIST).json()["results"]]

    assert numbers == [first.number, second.number]


def test_list_query_count_does_not_grow(api, waiting, manager):
    client = api(manager)
    waiting()
    client.get(LIST)  # the token's first use is recorded once; later calls skip that write
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for _ in range(10):
        waiting()
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(LIST).json()["results"]) == 11
    assert len(many.captured_queries) == len(few.captured_queries)


def test_decide_approve(api, waiting, manager):
    sr = waiting()

    response = api(manager).post(decide(sr), {"decision": "approve", "comment": "ok"}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == S.APPROVED


def test_decide_reject(api, waiting, manager):
    sr = waiting()

    assert api(manager).post(decide(sr), {"decision": "reject"}, format="json").json()["status"] == S.REJECTED


def test_self_approval_is_403(api, waiting, manager):
    sr = waiting(requester=manager)

    assert api(manager).post(decide(sr), {"decision": "approve"}, format="json").status_code == 403
    sr.refresh_from_db()
    assert sr.status == S.AWAITING_APPROVAL


def test_requester_may_see_but_not_decide(api, waiting, owner):
    assert api(owner).post(decide(waiting()), {"decision": "approve"}, format="json").status_code == 403


def test_hidden_or_unknown_request_is_404(api, waiting, outsider, manager):
    assert api(outsider).post(decide(waiting()), {"decision": "approve"}, format="json").status_code == 404
    response = api(manager).post("/api/v1/approvals/nonsense/decide/", {"decision": "approve"}, format="json")
    assert response.status_code == 404


def test_already_decided_is_409(api, waiting, manager):
    sr = waiting()
    client = api(manager)
    client.post(decide(sr), {"decision": "approve"}, format="json")

    response = client.post(decide(sr), {"decision": "reject"}, format="json")

    assert response.status_code == 409
    assert ServiceRequest.objects.get(pk=sr.pk).status == S.APPROVED


@pytest.mark.parametrize(
    "body", [{}, {"decision": "maybe"}, {"decision": "approve", "extra": 1}, {"decision": "approve", "comment": "\x00"}]
)
def test_bad_input_is_400(api, waiting, manager, body):
    response = api(manager).post(decide(waiting()), body, format="json")

    assert response.status_code == 400


def test_unauthenticated_is_401():
    assert APIClient().get(LIST).status_code == 401


def test_token_scopes(api, waiting, manager):
    sr = waiting()

    assert api(manager, scopes=["changes"]).get(LIST).status_code == 403
    read_only = api(manager, access="read")
    assert read_only.get(LIST).status_code == 200
    assert read_only.post(decide(sr), {"decision": "approve"}, format="json").status_code == 403
    assert api(manager, scopes=["changes"]).post(decide(sr), {"decision": "approve"}, format="json").status_code == 403
    sr.refresh_from_db()
    assert sr.status == S.AWAITING_APPROVAL


def test_session_decides_too(client_for, waiting, manager):
    sr = waiting()

    response = client_for(manager).post(decide(sr), {"decision": "approve"}, content_type="application/json")

    assert response.status_code == 200


def test_schema_documents_the_endpoints(client_for, admin_user):
    schema = client_for(admin_user).get("/api/v1/schema/?format=json").json()

    decide_op = schema["paths"]["/api/v1/approvals/{number}/decide/"]["post"]
    assert {"200", "400", "401", "403", "404", "409"} <= set(decide_op["responses"])
    assert "/api/v1/approvals/" in schema["paths"]
