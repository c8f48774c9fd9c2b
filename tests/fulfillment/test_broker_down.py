"""A dead broker: filing answers success at once, and mail and automation go out by the sweeps once it is back.

Through the HTML view, the API, the real Celery worker and the real broker; the broker is "down" because
publishing points at a closed port (nothing listens on 127.0.0.1:1), nothing of ours is mocked.
"""

import time

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts.models import Membership
from apps.automation.models import AutomationRun
from apps.automation.tasks import automation_sweep_pending
from apps.core import dispatch
from apps.core.models import Notification
from apps.core.tasks import core_sweep_notifications
from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.models import ServiceRequest
from portal.celery import app
from tests.factories import CatalogItemFactory, TeamFactory
from tests.waiting import wait_for

S = RequestStatus
CLOSED_PORT = "redis://127.0.0.1:1/0"
FAST_ENOUGH = 2.0  # seconds: "the normal success answer within a second or two"
FILING_FORM = {"team": "guild", "sr-priority": "normal", "sr-requested_for": ""}


class Broker:
    """Switches where this process publishes; the worker keeps consuming from the real broker."""

    def _publish_to(self, url: str | None) -> None:
        app.conf.broker_write_url = url  # None: the broker URL again
        # Celery caches the producer pools per connection: drop them so the next publish uses the new URL.
        app._pool = None
        app.amqp._producer_pool = None

    def down(self) -> None:
        self._publish_to(CLOSED_PORT)
        assert app.connection_for_write().as_uri().endswith("127.0.0.1:1/0")

    def back(self) -> None:
        self._publish_to(None)
        dispatch.broker_failure_forget()  # this process paused publishing after the failures


@pytest.fixture
def broker():
    controls = Broker()
    yield controls
    controls.back()


@pytest.fixture
def join_item(desk_team):
    form = {"fields": [{"name": "team", "label": "Team", "type": "team", "required": True, "joinable_only": True}]}
    return CatalogItemFactory(
        slug="join-team",
        name="Join a team",
        fulfilling_team=desk_team,
        fulfilment_mode="automated",
        automation_action="join-team",
        form_definition=form,
    )


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def subjects_to(address):
    return sorted(m.subject.split("] ")[1].split(":")[0] for m in mail.outbox if m.to == [address])


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_filing_while_the_broker_is_down_succeeds_and_everything_goes_out_after(
    celery_worker, broker, client_for, api_token, owner, teammate, item, join_item, settings
):
    settings.STEWARD_NOTIFICATION_SWEEP_AFTER_SECONDS = 0
    settings.STEWARD_AUTOMATION_SWEEP_AFTER_SECONDS = 0
    guild = TeamFactory(name="Guild", slug="guild", joinable=True)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(owner)}")

    broker.down()
    html, html_seconds = timed(
        lambda: client_for(owner).post(reverse("fulfillment:request-create", args=["join-team"]), FILING_FORM)
    )
    body = {"item": item.slug, "answers": {"reason": "while the broker is down"}, "requested_for": "teammate"}
    rest, api_seconds = timed(lambda: api.post("/api/v1/requests/", body, format="json"))

    assert html.status_code == 302 and html_seconds < FAST_ENOUGH, (html.status_code, html_seconds)
    assert rest.status_code == 201 and api_seconds < FAST_ENOUGH, (rest.status_code, api_seconds)
    joined = ServiceRequest.objects.get(item=join_item)
    assert joined.status == S.IN_PROGRESS  # handed to automation; the run waits for the broker
    assert AutomationRun.objects.get(subject_id=str(joined.pk)).status == "pending"
    assert Notification.objects.filter(status="pending").count() == 2  # "in progress" to owner, "new" to teammate
    time.sleep(1)  # time for the worker to pick up anything that did get through: nothing did
    assert Notification.objects.filter(status="pending").count() == 2 and mail.outbox == []

    broker.back()
    # What beat sends every few seconds; the sweeps publish what the requests could not.
    core_sweep_notifications.delay()
    automation_sweep_pending.delay()

    assert wait_for(lambda: ServiceRequest.objects.get(pk=joined.pk).status == S.FULFILLED)
    assert wait_for(lambda: not Notification.objects.exclude(status="sent").exists())
    assert Membership.objects.filter(user=owner, team=guild).count() == 1
    assert subjects_to(owner.email) == ["Fulfilled", "In progress"]  # the "in progress" mail is not lost
    assert subjects_to(teammate.email) == ["New request"]
