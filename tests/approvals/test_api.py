"""The approvals API: the caller's inbox across providers, deciding, scopes and every documented error."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.models import ServiceRequest

S = RequestStatus
LIST = "/api/v1/approvals/"
pytestmark = pytest.mark.django_db


def decide(sr):
    """The route kept from the requests-only inbox: the number alone."""
    return f"/api/v1/approvals/{sr.number}/decide/"


def decide_in(sr):
    return f"/api/v1/approvals/fulfillment.request/{sr.number}/decide/"


@pytest.mark.parametrize(
    ("who", "sees"), [("manager", True), ("owner", False), ("teammate", False), ("outsider", False), ("agent", False)]
)
def test_list_is_the_callers_inbox(request, api, waiting, who, sees):
    sr = waiting()

    response = api(request.getfixturevalue(who)).get(LIST)

    assert response.status_code == 200
    assert [row["key"] for row in response.json()["results"]] == ([sr.number] if sees else [])


def test_list_rows_have_one_shape(api, waiting, manager):
    sr = waiting()

    (row,) = api(manager).get(LIST).json()["results"]

    assert row["provider"] == "fulfillment.request" and row["provider_label"] == "Service request"
    assert (row["key"], row["title"], row["url"], row["version"]) == (
        sr.number,
        sr.subject,
        sr.get_absolute_url(),
        sr.version,
    )
    assert "requester's manager" in row["needs"] and row["requester"] == str(sr.requester)


def test_list_team_approvals_oldest_first(api, waiting, team_item, approver):
    first, second = waiting(item=team_item), waiting(item=team_item)

    keys = [row["key"] for row in api(approver).get(LIST).json()["results"]]

    assert keys == [first.number, second.number]


def test_list_pages_and_counts(api, waiting, manager):
    made = [waiting() for _ in range(3)]

    page = api(manager).get(LIST, {"page_size": 2}).json()

    assert page["count"] == 3 and [row["key"] for row in page["results"]] == [sr.number for sr in made[:2]]
    assert [row["key"] for row in api(manager).get(page["next"]).json()["results"]] == [made[2].number]


@pytest.mark.parametrize("size", ["0", "201", "abc", "-1"])
def test_bad_page_size_is_400(api, manager, size):
    response = api(manager).get(LIST, {"page_size": size})

    assert response.status_code == 400 and "page_size" in response.json()


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


@pytest.mark.parametrize("url", [decide, decide_in])
def test_decide_approve(api, waiting, manager, url):
    sr = waiting()

    response = api(manager).post(url(sr), {"decision": "approve", "comment": "ok"}, format="json")

    assert response.status_code == 200
    assert response.json() == {
        "provider": "fulfillment.request",
        "key": sr.number,
        "title": sr.subject,
        "url": sr.get_absolute_url(),
        "status": S.APPROVED,
        "status_label": "Approved",
    }


def test_decide_reject(api, waiting, manager):
    sr = waiting()

    response = api(manager).post(decide(sr), {"decision": "reject", "comment": "Not this quarter"}, format="json")
    assert response.json()["status"] == S.REJECTED


def test_reject_without_a_reason_is_400_and_decides_nothing(api, waiting, manager):
    sr = waiting()

    response = api(manager).post(decide(sr), {"decision": "reject", "comment": "  "}, format="json")

    assert response.status_code == 400 and "reason" in str(response.json()["comment"])
    assert ServiceRequest.objects.get(pk=sr.pk).status == S.AWAITING_APPROVAL


def test_stale_version_is_409(api, waiting, manager):
    sr = waiting()

    response = api(manager).post(decide_in(sr), {"decision": "approve", "version": sr.version + 1}, format="json")

    assert response.status_code == 409
    assert ServiceRequest.objects.get(pk=sr.pk).status == S.AWAITING_APPROVAL


def test_self_approval_is_403(api, waiting, manager):
    sr = waiting(requester=manager)

    response = api(manager).post(decide(sr), {"decision": "approve"}, format="json")

    assert response.status_code == 403 and "own request" in response.json()["detail"]
    sr.refresh_from_db()
    assert sr.status == S.AWAITING_APPROVAL


def test_requester_may_see_but_not_decide(api, waiting, owner):
    assert api(owner).post(decide(waiting()), {"decision": "approve"}, format="json").status_code == 403


def test_hidden_or_unknown_is_404(api, waiting, outsider, manager):
    assert api(outsider).post(decide(waiting()), {"decision": "approve"}, format="json").status_code == 404
    for url in ("/api/v1/approvals/nonsense/decide/", "/api/v1/approvals/nope.x/SR-000001/decide/"):
        assert api(manager).post(url, {"decision": "approve"}, format="json").status_code == 404


def test_already_decided_is_409(api, waiting, manager):
    sr = waiting()
    client = api(manager)
    client.post(decide(sr), {"decision": "approve"}, format="json")

    response = client.post(decide(sr), {"decision": "reject", "comment": "too late"}, format="json")

    assert response.status_code == 409
    assert ServiceRequest.objects.get(pk=sr.pk).status == S.APPROVED


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"decision": "maybe"},
        {"decision": "approve", "extra": 1},
        {"decision": "approve", "comment": "\x00"},
        {"decision": "approve", "version": 0},
    ],
)
def test_bad_input_is_400(api, waiting, manager, body):
    response = api(manager).post(decide(waiting()), body, format="json")

    assert response.status_code == 400


def test_unauthenticated_is_401():
    assert APIClient().get(LIST).status_code == 401


def test_token_scopes(api, waiting, manager):
    sr = waiting()

    assert api(manager, scopes=["admin"]).get(LIST).status_code == 403
    assert api(manager, scopes=["changes"]).get(LIST).json()["results"] == []  # only change approvals
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

    for path in ("/api/v1/approvals/{number}/decide/", "/api/v1/approvals/{provider}/{key}/decide/"):
        assert {"200", "400", "401", "403", "404", "409"} <= set(schema["paths"][path]["post"]["responses"])
    assert "/api/v1/approvals/" in schema["paths"]
    assert schema["components"]["schemas"]["DecisionRequest"]["additionalProperties"] is False
