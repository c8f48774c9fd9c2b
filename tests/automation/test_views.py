"""The runs panel on the request page, its htmx polling, and the agent's retry: owner, agent, outsider."""

import pytest

from apps.automation.models import AutomationRun
from apps.automation.services import run_execute
from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.services import request_create

S = RequestStatus


@pytest.fixture
def filed(owner, guild, join_item, mocker, django_capture_on_commit_callbacks):
    mocker.patch("apps.automation.tasks.automation_execute_run.delay")
    with django_capture_on_commit_callbacks(execute=True):
        return request_create(item=join_item, requester=owner, answers={"team": "guild"})


def panel_url(sr):
    return f"/automation/runs/fulfillment.servicerequest/{sr.pk}/"


@pytest.mark.django_db
def test_request_page_shows_a_polling_panel_while_the_run_is_pending(client_for, owner, agent, filed):
    for user in (owner, agent):
        html = client_for(user).get(filed.get_absolute_url()).content.decode()
        assert 'id="automation-runs"' in html and "join-team" in html and "Pending" in html
        assert f'hx-get="{panel_url(filed)}?active=1"' in html and 'hx-trigger="every 2s"' in html


@pytest.mark.django_db
def test_outsider_gets_404_for_the_page_and_the_panel(client_for, outsider, filed):
    client = client_for(outsider)
    assert client.get(filed.get_absolute_url()).status_code == 404
    assert client.get(panel_url(filed)).status_code == 404
    assert client.post(panel_url(filed) + "retry/").status_code == 404
    assert client_for(outsider).get("/automation/runs/nope.thing/1/").status_code == 404
    assert client_for(outsider).get(f"/automation/runs/fulfillment.servicerequest/{'9' * 30}/").status_code == 404


@pytest.mark.django_db
def test_panel_fragment_stops_polling_and_reloads_the_page_when_the_run_ends(client_for, owner, filed):
    client = client_for(owner)
    fragment = client.get(panel_url(filed) + "?active=1", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    assert "HX-Refresh" not in fragment

    run_execute(run_id=AutomationRun.objects.get().pk)

    fragment = client.get(panel_url(filed) + "?active=1", headers={"HX-Request": "true"})
    html = fragment.content.decode()
    assert fragment["HX-Refresh"] == "true"
    assert "hx-trigger" not in html and "Succeeded" in html and "owner is a member of Guild." in html


@pytest.mark.django_db
def test_failed_run_shows_the_error_to_agents_only_and_only_agents_may_retry(client_for, owner, agent, guild, filed):
    type(guild).objects.filter(pk=guild.pk).update(joinable=False)
    run_execute(run_id=AutomationRun.objects.get().pk)
    type(guild).objects.filter(pk=guild.pk).update(joinable=True)

    owner_page = client_for(owner).get(filed.get_absolute_url()).content.decode()
    agent_page = client_for(agent).get(filed.get_absolute_url()).content.decode()
    assert "cannot be joined" not in owner_page and "Retry automation" not in owner_page
    assert "The automatic step failed; the service desk has been told." in owner_page
    assert "cannot be joined" in agent_page and "Retry automation" in agent_page
    assert client_for(owner).post(panel_url(filed) + "retry/").status_code == 403

    response = client_for(agent).post(panel_url(filed) + "retry/", headers={"HX-Request": "true"})

    assert response.status_code == 204 and response["HX-Refresh"] == "true"
    filed.refresh_from_db()
    assert filed.status == S.IN_PROGRESS and AutomationRun.objects.count() == 2
    # Without JavaScript: a redirect back to the request; a second retry is refused with a message.
    response = client_for(agent).post(panel_url(filed) + "retry/")
    assert response.status_code == 403  # nothing to retry: the last run is in flight


@pytest.mark.django_db
def test_manual_request_page_has_no_panel(client_for, owner, item):
    sr = request_create(item=item, requester=owner, answers={"reason": "x"})
    assert 'id="automation-runs"' not in client_for(owner).get(sr.get_absolute_url()).content.decode()
