"""The service-request API: scopes, visibility, create, transition, comments, ETag/If-Match, bad input."""

import json

import pytest
from rest_framework.test import APIClient

from apps.core.selectors import audit_events_for
from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.models import ServiceRequest
from tests.fulfillment.factories import CommentFactory

S = RequestStatus
LIST = "/api/v1/requests/"


def detail(sr, suffix=""):
    return f"/api/v1/requests/{sr.number}/{suffix}"


@pytest.fixture
def api(api_token):
    """``api(user, scopes=..., access=...)``: an APIClient authenticated by a real token."""

    def make(user, **kwargs):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user, **kwargs)}")
        return client

    return make


# --- access -------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status"),
    # The requester's manager sees only what needs their approval (README, roles table): not this request.
    [("owner", 200), ("teammate", 404), ("outsider", 404), ("agent", 200), ("manager", 404), ("admin_user", 200)],
)
def test_retrieve_by_user(request, api, sr, who, status):
    response = api(request.getfixturevalue(who)).get(detail(sr))
    assert response.status_code == status
    if status == 200:
        assert response.json()["number"] == sr.number
        assert response["ETag"] == '"1"'


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "count"), [("owner", 2), ("teammate", 0), ("outsider", 0), ("agent", 2), ("admin_user", 3)]
)
def test_list_by_user(request, api, make_sr, outsider, other_team, who, count):
    from tests.factories import CatalogItemFactory

    make_sr()
    make_sr(status=S.IN_PROGRESS)
    elsewhere = CatalogItemFactory(slug="elsewhere-item", fulfilling_team=other_team)
    make_sr(requester=outsider, item=elsewhere)
    if who == "outsider":
        count = 1
    response = api(request.getfixturevalue(who)).get(LIST)
    assert response.status_code == 200
    assert len(response.json()["results"]) == count


@pytest.mark.django_db
def test_unauthenticated_is_401(sr):
    assert APIClient().get(LIST).status_code == 401
    assert APIClient().get(detail(sr)).status_code == 401


@pytest.mark.django_db
def test_token_without_requests_scope_is_403(api, owner, sr):
    client = api(owner, scopes=["changes"])
    response = client.get(LIST)
    assert response.status_code == 403 and "requests" in response.json()["detail"]
    assert client.get(detail(sr)).status_code == 403


@pytest.mark.django_db
def test_read_only_token_reads_but_cannot_write(api, owner, sr):
    client = api(owner, access="read")
    assert client.get(detail(sr)).status_code == 200
    assert client.post(detail(sr, "transition/"), {"to": "cancelled"}, format="json").status_code == 403
    assert client.post(detail(sr, "comments/"), {"body": "x"}, format="json").status_code == 403
    assert client.post(LIST, {"item": "access-request", "answers": {"reason": "x"}}, format="json").status_code == 403
    sr.refresh_from_db()
    assert sr.status == S.NEW and not sr.comments.exists()


@pytest.mark.django_db
def test_session_auth_works_too(client_for, owner, sr):
    assert client_for(owner).get(detail(sr)).status_code == 200


@pytest.mark.django_db
def test_list_filters_with_the_html_filterset(api, make_sr, owner):
    open_sr = make_sr(status=S.IN_PROGRESS)
    closed_sr = make_sr(status=S.CANCELLED)
    client = api(owner)
    numbers = [r["number"] for r in client.get(LIST, {"state": "closed"}).json()["results"]]
    assert numbers == [closed_sr.number]
    numbers = [
        r["number"] for r in client.get(LIST, {"status": "in_progress", "item": "access-request"}).json()["results"]
    ]
    assert numbers == [open_sr.number]
    assert client.get(LIST, {"status": "nope"}).status_code == 400
    assert client.get(LIST, {"item": "no-such-item"}).status_code == 400


@pytest.mark.django_db
def test_list_query_count_does_not_grow_and_is_cursor_paginated(api, make_sr, owner, django_assert_num_queries):
    client = api(owner)
    make_sr()
    client.get(LIST)
    # token, the user's permissions (2: own, groups'), the page of requests
    with django_assert_num_queries(4) as first:
        client.get(LIST)
    for _ in range(20):
        make_sr()
    with django_assert_num_queries(len(first.captured_queries)):
        body = client.get(LIST, {"page_size": 5}).json()
    assert len(body["results"]) == 5 and body["next"] and "count" not in body
    assert len(client.get(body["next"]).json()["results"]) == 5


@pytest.mark.django_db
def test_serializer_shows_the_callers_allowed_transitions(api, sr, owner, agent):
    body = api(owner).get(detail(sr)).json()
    assert body["allowed_transitions"] == ["cancelled"]
    assert set(body) >= {"number", "status", "status_display", "item", "requester", "answers", "version", "created_at"}
    assert (body["item"], body["requester"], body["status_display"]) == ("access-request", "owner", "New")
    assert api(agent).get(detail(sr)).json()["allowed_transitions"] == ["in_progress"]


# --- create -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_returns_201_with_number(api, owner, teammate, item):
    response = api(owner).post(
        LIST,
        {"item": "access-request", "answers": {"reason": "logs"}, "requested_for": "teammate", "priority": "high"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    sr = ServiceRequest.objects.get()
    assert response.json()["number"] == sr.number and response["ETag"] == '"1"'
    assert response["Location"].endswith(detail(sr))
    assert (sr.requester, sr.requested_for, sr.priority) == (owner, teammate, "high")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "error_path"),
    [
        ({"item": "access-request", "answers": {}}, ["answers", "reason"]),
        ({"item": "access-request", "answers": {"reason": 5}}, ["answers", "reason"]),
        ({"item": "access-request", "answers": {"reason": ["a"]}}, ["answers", "reason"]),
        ({"item": "access-request", "answers": {"reason": "ok", "bogus": 1}}, ["answers", "bogus"]),
        ({"item": "access-request", "answers": {"reason": "a\u0000b"}}, ["answers"]),
        ({"item": "access-request", "answers": {"reason\u0000": "a"}}, ["answers"]),
        ({"item": "access-request", "answers": "nope"}, ["answers"]),
        ({"item": "access-request", "answers": None}, ["answers"]),
        ({"item": "access-request", "answers": [1, 2]}, ["answers"]),
        ({"item": "access-request", "answers": {"reason": "ok"}, "colour": "red"}, ["colour"]),
        ({"item": "access-request", "answers": {"reason": "ok"}, "priority": "asap"}, ["priority"]),
        ({"item": "access-request", "answers": {"reason": "ok"}, "requested_for": "ghost"}, ["requested_for"]),
        ({"item": "access-request", "answers": {"reason": "ok"}, "requested_for": 12}, ["requested_for"]),
        ({"item": "no-such-item", "answers": {"reason": "ok"}}, ["item"]),
        ({"item": ["x"], "answers": {"reason": "ok"}}, ["item"]),
        ({"item": "access\u0000", "answers": {"reason": "ok"}}, ["item"]),
        ({"answers": {"reason": "ok"}}, ["item"]),
        ([], ["non_field_errors"]),
    ],
)
def test_create_with_bad_input_is_400_never_500(api, owner, item, body, error_path):
    response = api(owner).post(LIST, body, format="json")
    assert response.status_code == 400, response.content
    errors = response.json()
    for key in error_path:
        assert key in errors, errors
        errors = errors[key]
    assert not ServiceRequest.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "raw",
    [b"{", b'{"item": 1e999, "answers": {}}', b'{"item": "access-request", "answers": {"reason": NaN}}', b"\xff\xfe"],
)
def test_create_with_unparseable_json_is_400(api, owner, item, raw):
    response = api(owner).post(LIST, raw, content_type="application/json")
    assert response.status_code == 400


@pytest.mark.django_db
def test_create_with_numbers_too_big_or_infinite_is_400(api, owner, desk_team):
    from tests.factories import CatalogItemFactory

    CatalogItemFactory(
        slug="count",
        fulfilling_team=desk_team,
        form_definition={"fields": [{"name": "n", "label": "N", "type": "number"}]},
    )
    client = api(owner)
    for raw in (
        b'{"item": "count", "answers": {"n": 1e999}}',
        b'{"item": "count", "answers": {"n": 123456789012345678901234567890}}',
    ):
        assert client.post(LIST, raw, content_type="application/json").status_code == 400
    assert client.post(LIST, {"item": "count", "answers": {"n": 4.5}}, format="json").status_code == 201


@pytest.mark.django_db
def test_cannot_file_items_outside_the_audience(api, owner, desk_team, other_team):
    from tests.factories import CatalogItemFactory

    hidden = CatalogItemFactory(slug="secret", fulfilling_team=desk_team, audience="teams")
    hidden.audience_teams.add(other_team)
    response = api(owner).post(LIST, {"item": "secret", "answers": {"reason": "x"}}, format="json")
    assert response.status_code == 400 and "item" in response.json()


# --- transition ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_transition_with_if_match(api, sr, agent):
    response = api(agent).post(
        detail(sr, "transition/"), {"to": "in_progress", "comment": "go"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response["ETag"]) == ("in_progress", '"2"')
    assert audit_events_for(sr).get().data["comment"] == "go"


@pytest.mark.django_db
def test_stale_if_match_is_409_and_changes_nothing(api, sr, agent):
    response = api(agent).post(detail(sr, "transition/"), {"to": "in_progress"}, format="json", HTTP_IF_MATCH='"7"')
    assert response.status_code == 409 and "changed" in response.json()["detail"]
    sr.refresh_from_db()
    assert (sr.status, sr.version) == (S.NEW, 1)
    assert not audit_events_for(sr).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["abc", '"1", "2"', '"-1"', '"1'])
def test_malformed_if_match_is_412(api, sr, agent, header):
    response = api(agent).post(detail(sr, "transition/"), {"to": "in_progress"}, format="json", HTTP_IF_MATCH=header)
    assert response.status_code == 412
    sr.refresh_from_db()
    assert sr.status == S.NEW


@pytest.mark.django_db
def test_if_match_star_and_weak_etags_are_accepted(api, sr, agent):
    client = api(agent)
    assert (
        client.post(detail(sr, "transition/"), {"to": "in_progress"}, format="json", HTTP_IF_MATCH="*").status_code
        == 200
    )
    assert (
        client.post(detail(sr, "transition/"), {"to": "on_hold"}, format="json", HTTP_IF_MATCH='W/"2"').status_code
        == 200
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"to": "closed"}, 400),
        ({"to": "bogus"}, 400),
        ({}, 400),
        ({"to": "in_progress", "extra": 1}, 400),
        ({"to": 5}, 400),
        ({"to": "in_progress", "comment": "a\u0000"}, 400),
    ],
)
def test_bad_transitions_are_400_with_a_message_under_to(api, sr, agent, body, status):
    response = api(agent).post(detail(sr, "transition/"), body, format="json")
    assert response.status_code == status
    if body.get("to") == "closed":
        assert "cannot move" in response.json()["to"][0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 403), ("teammate", 404), ("outsider", 404), ("manager", 404), ("agent", 200), ("admin_user", 200)],
)
def test_who_may_start_work_through_the_api(request, api, sr, who, status):
    response = api(request.getfixturevalue(who)).post(detail(sr, "transition/"), {"to": "in_progress"}, format="json")
    assert response.status_code == status


@pytest.mark.django_db
def test_self_approval_is_refused_through_the_api(api, make_sr, manager, manager_item):
    sr = make_sr(requester=manager, item=manager_item, status=S.AWAITING_APPROVAL)
    assert api(manager).post(detail(sr, "transition/"), {"to": "approved"}, format="json").status_code == 403


# --- comments and patch -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_comments_list_hides_internal_notes_from_the_requester(api, sr, owner, agent):
    CommentFactory(request=sr, author=agent, body="internal", is_internal=True)
    CommentFactory(request=sr, author=owner, body="public")
    assert [c["body"] for c in api(owner).get(detail(sr, "comments/")).json()["results"]] == ["public"]
    assert [c["body"] for c in api(agent).get(detail(sr, "comments/")).json()["results"]] == ["internal", "public"]


@pytest.mark.django_db
def test_comment_create_and_if_match(api, sr, owner, agent):
    client = api(owner)
    response = client.post(detail(sr, "comments/"), {"body": "hello"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 201 and response.json()["author"] == "owner"
    assert client.post(detail(sr, "comments/"), {"body": "late"}, format="json", HTTP_IF_MATCH='"9"').status_code == 409
    assert client.post(detail(sr, "comments/"), {"body": "x", "is_internal": True}, format="json").status_code == 403
    assert client.post(detail(sr, "comments/"), {"body": ""}, format="json").status_code == 400
    assert client.post(detail(sr, "comments/"), {"body": "x", "colour": 1}, format="json").status_code == 400
    assert (
        api(agent).post(detail(sr, "comments/"), {"body": "note", "is_internal": True}, format="json").status_code
        == 201
    )
    assert list(sr.comments.values_list("body", flat=True)) == ["hello", "note"]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["teammate", "outsider"])
def test_hidden_requests_have_no_comments(request, api, sr, who):
    client = api(request.getfixturevalue(who))
    assert client.get(detail(sr, "comments/")).status_code == 404
    assert client.post(detail(sr, "comments/"), {"body": "x"}, format="json").status_code == 404


@pytest.mark.django_db
def test_patch_priority_and_assignee(api, sr, agent, owner):
    response = api(agent).patch(
        detail(sr), {"priority": "urgent", "assignee": "agent"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["priority"], response.json()["assignee"]) == ("urgent", "agent")
    assert api(agent).patch(detail(sr), {"priority": "low"}, format="json", HTTP_IF_MATCH='"1"').status_code == 409
    assert api(owner).patch(detail(sr), {"priority": "low"}, format="json").status_code == 403
    assert api(agent).patch(detail(sr), {"status": "closed"}, format="json").status_code == 400
    assert api(agent).put(detail(sr), {"priority": "low"}, format="json").status_code == 405


@pytest.mark.django_db
def test_schema_documents_the_error_responses(client_for, owner):
    schema = client_for(owner).get("/api/v1/schema/?format=json").json()
    transition = schema["paths"]["/api/v1/requests/{number}/transition/"]["post"]["responses"]
    assert {"200", "400", "401", "403", "404", "409", "412"} <= set(transition)
    assert json.dumps(schema).count("If-Match") >= 3


@pytest.mark.django_db
def test_huge_body_is_refused_with_4xx(api, owner, item):
    raw = json.dumps({"item": "access-request", "answers": {"reason": "x" * (3 * 1024 * 1024)}}).encode()
    response = api(owner).post(LIST, raw, content_type="application/json")
    assert 400 <= response.status_code < 500
    assert not ServiceRequest.objects.exists()


@pytest.mark.django_db
def test_deeply_nested_answers_are_400(api, owner, item):
    raw = b'{"item": "access-request", "answers": {"reason": ' + b"[" * 50 + b"]" * 50 + b"}}"
    assert api(owner).post(LIST, raw, content_type="application/json").status_code == 400


@pytest.mark.django_db
def test_json_nested_beyond_the_parsers_recursion_limit_is_400(api, owner, item):
    raw = b'{"item": "access-request", "answers": {"reason": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}"
    assert api(owner).post(LIST, raw, content_type="application/json").status_code == 400


# --- PATCH without If-Match: last write wins per field (issue 6, defect 8) ------------------------------------


@pytest.mark.django_db
def test_patch_without_if_match_over_a_stale_read_keeps_the_other_field(sr, agent):
    """The race's window, made deterministic: the request changed after it was read and before it is written."""
    from apps.fulfillment import services

    stale = ServiceRequest.objects.get(pk=sr.pk)  # what the second PATCH's view read
    services.request_update(request=sr, actor=agent, priority="urgent")  # the first PATCH commits meanwhile
    services.request_update(request=stale, actor=agent, assignee=agent)  # no If-Match: no 409
    sr.refresh_from_db()
    assert (sr.priority, sr.assignee, sr.version) == ("urgent", agent, 3)
    verbs = [event.verb for event in audit_events_for(sr)]
    assert verbs.count("priority_changed") == 1 and verbs.count("assigned") == 1


@pytest.mark.django_db
def test_patch_with_a_stale_if_match_is_still_409(api, sr, agent):
    client = api(agent)
    assert client.patch(detail(sr), {"priority": "high"}, format="json").status_code == 200
    response = client.patch(detail(sr), {"assignee": "agent"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 409
    assert client.patch(detail(sr), {"assignee": "agent"}, format="json", HTTP_IF_MATCH="v1").status_code == 412
    sr.refresh_from_db()
    assert (sr.priority, sr.assignee_id) == ("high", None)


@pytest.mark.django_db(transaction=True)
def test_concurrent_patches_of_different_fields_without_if_match_never_409(api, sr, agent):
    """Two clients at once, one on priority, one on assignee, for several rounds: every PATCH succeeds."""
    import threading

    from django.db import connection

    clients = [api(agent), api(agent)]
    rounds = [("urgent", "agent"), ("low", ""), ("high", "agent"), ("normal", "")]
    statuses: list[int] = []

    def patch(client, body, barrier):
        barrier.wait()
        try:
            statuses.append(client.patch(detail(sr), body, format="json").status_code)
        finally:
            connection.close()  # each thread has its own connection; leave none open for teardown

    for priority, assignee in rounds:
        barrier = threading.Barrier(2)
        threads = [
            threading.Thread(target=patch, args=(clients[0], {"priority": priority}, barrier)),
            threading.Thread(target=patch, args=(clients[1], {"assignee": assignee}, barrier)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        sr.refresh_from_db()
        assert (sr.priority, sr.assignee.username if sr.assignee else "") == (priority, assignee)
    assert statuses == [200] * 2 * len(rounds)
