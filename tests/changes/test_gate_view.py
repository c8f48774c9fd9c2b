"""The gate's URL: its lean answer and DRF's are the same answer; every refusal is DRF's own (401, 403, 404, 429)."""

import pytest
from django.test import Client

from apps.accounts.services import token_create
from apps.changes.api import gate_view
from apps.changes.api.throttling import GateRateThrottle

pytestmark = pytest.mark.django_db


def token_client(user, scopes=("changes",), access="read"):
    key = token_create(user=user, name="ci", scopes=list(scopes), access=access)[1]
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


def gate_url(change):
    return f"/api/v1/changes/{change.number}/gate/"


def test_the_lean_answer_is_the_answer_drf_gives(make_change, pipeline, mocker):
    change = make_change()
    client = token_client(pipeline)
    lean = client.get(gate_url(change))
    mocker.patch.object(gate_view.GateView, "_lean", return_value=None)  # every call through DRF's dispatch
    full = client.get(gate_url(change))
    assert lean.status_code == full.status_code == 200
    assert lean.json() == full.json() and lean.json()["decision"] == "go"
    assert lean["Content-Type"] == full["Content-Type"] == "application/json"
    assert lean["Allow"] == full["Allow"]


def test_a_waiting_answer_carries_retry_after_on_the_lean_path(make_change, production, pipeline):
    waiting = make_change(environment=production)
    response = token_client(pipeline).get(gate_url(waiting))
    assert response.status_code == 200 and response.json()["decision"] == "wait"
    assert int(response["Retry-After"]) > 0


def test_refusals_are_drfs(make_change, pipeline, outsider):
    change = make_change()
    assert Client().get(gate_url(change)).status_code == 401
    assert Client(HTTP_AUTHORIZATION="Token nonsense").get(gate_url(change)).status_code == 401
    refused = token_client(pipeline, scopes=("requests",)).get(gate_url(change))
    assert refused.status_code == 403 and "changes" in refused.json()["detail"]
    assert token_client(outsider).get(gate_url(change)).status_code == 404
    assert token_client(pipeline).get("/api/v1/changes/CHG-999999/gate/").status_code == 404
    assert token_client(pipeline).get("/api/v1/changes/nonsense/gate/").status_code == 404


def test_a_signed_in_person_asks_the_gate_too(make_change, owner, outsider):
    change = make_change()
    mine, theirs = Client(), Client()
    mine.force_login(owner)
    theirs.force_login(outsider)
    assert mine.get(gate_url(change)).json()["decision"] == "go"
    assert theirs.get(gate_url(change)).status_code == 404


def test_the_gates_own_bucket_refuses_with_retry_after(make_change, pipeline, mocker):
    mocker.patch.object(GateRateThrottle, "get_rate", return_value="2/minute")
    change = make_change()
    client = token_client(pipeline)
    assert [client.get(gate_url(change)).status_code for _ in range(2)] == [200, 200]
    refused = client.get(gate_url(change))
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    other = token_client(pipeline)  # a bucket per token
    assert other.get(gate_url(change)).status_code == 200


def test_a_remembered_token_costs_no_query_of_its_own_and_is_still_checked(
    make_change, pipeline, django_assert_num_queries
):
    from apps.accounts.models import ApiToken
    from apps.accounts.services import token_revoke

    change = make_change()
    client = token_client(pipeline)
    assert client.get(gate_url(change)).status_code == 200  # authenticated: the token is remembered
    with django_assert_num_queries(1):  # the change, with the token's validity
        assert client.get(gate_url(change)).json()["decision"] == "go"
    token = ApiToken.objects.get(user=pipeline)
    token_revoke(token=token, actor=pipeline)
    assert client.get(gate_url(change)).status_code == 401  # at once, remembered or not


@pytest.mark.parametrize("spoil", ["expired", "user_inactive"])
def test_a_remembered_token_that_expired_or_whose_user_left_is_refused_at_once(make_change, pipeline, spoil):
    import datetime as dt

    from django.utils import timezone

    from apps.accounts.models import ApiToken, User

    change = make_change()
    client = token_client(pipeline)
    assert client.get(gate_url(change)).status_code == 200
    if spoil == "expired":
        ApiToken.objects.filter(user=pipeline).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    else:
        User.objects.filter(pk=pipeline.pk).update(is_active=False)
    assert client.get(gate_url(change)).status_code == 401


def test_a_token_is_remembered_for_a_minute_only(make_change, pipeline, mocker, django_assert_num_queries):
    change = make_change()
    client = token_client(pipeline)
    client.get(gate_url(change))
    clock = mocker.patch("apps.accounts.authentication.time.monotonic")
    clock.return_value = 10**9  # long after
    with django_assert_num_queries(2):  # the token read again, then the change (last use: written once a minute)
        assert client.get(gate_url(change)).status_code == 200
