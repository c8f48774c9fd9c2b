"""/api/v1/automation-runs/: read-only, only runs of requests the caller may see, token scope "requests"."""

import pytest
from rest_framework.test import APIClient

from apps.accounts.services import token_create
from apps.automation.models import AutomationRun
from apps.fulfillment.services import request_create

URL = "/api/v1/automation-runs/"


@pytest.fixture
def run(owner, guild, join_item, mocker, django_capture_on_commit_callbacks):
    mocker.patch("apps.automation.tasks.automation_execute_run.delay")
    with django_capture_on_commit_callbacks(execute=True):
        request_create(item=join_item, requester=owner, answers={"team": "guild"})
    return AutomationRun.objects.get()


def api(user=None, *, scopes=("requests",)):
    client = APIClient()
    if user is not None:
        key = token_create(user=user, name="t", scopes=list(scopes), access="read")[1]
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.mark.django_db
def test_requester_and_agent_list_and_retrieve_the_run(owner, agent, run):
    for user in (owner, agent):
        listed = api(user).get(URL, {"subject_id": run.subject_id})
        assert listed.status_code == 200
        assert [r["id"] for r in listed.json()["results"]] == [run.pk]
        one = api(user).get(f"{URL}{run.pk}/").json()
        assert (
            one["status"] == "pending"
            and one["action"] == "join-team"
            and one["subject_type"] == "fulfillment.servicerequest"
        )


@pytest.mark.django_db
def test_outsider_sees_nothing_and_gets_404(outsider, teammate, run):
    for user in (outsider, teammate):
        assert api(user).get(URL).json()["results"] == []
        assert api(user).get(f"{URL}{run.pk}/").status_code == 404
    assert api(outsider).get(f"{URL}abc/").status_code == 404
    assert api(outsider).get(f"{URL}{'9' * 30}/").status_code == 404


@pytest.mark.django_db
def test_superuser_sees_every_run(admin_user, run):
    assert [r["id"] for r in api(admin_user).get(URL).json()["results"]] == [run.pk]


@pytest.mark.django_db
def test_anonymous_401_and_token_without_scope_403(owner, run):
    assert api().get(URL).status_code == 401
    response = api(owner, scopes=("changes",)).get(URL)
    assert response.status_code == 403 and '"requests"' in response.json()["detail"]


@pytest.mark.django_db
def test_read_only(owner, run):
    key = token_create(user=owner, name="w", scopes=["requests"], access="write")[1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.post(URL, {}, format="json").status_code == 405
    assert client.delete(f"{URL}{run.pk}/").status_code == 405


@pytest.mark.django_db
def test_bad_status_filter_is_400(owner, run):
    assert api(owner).get(URL, {"status": "bogus"}).status_code == 400
