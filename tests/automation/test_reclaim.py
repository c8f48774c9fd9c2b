"""Bounded runs: attempts recorded, a dead worker's run reclaimed once its time limit has certainly passed,
"needs attention" for a non-idempotent action that may have called out, and the agent's confirmed retry."""

import datetime as dt

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core import mail
from django.utils import timezone

from apps.automation import tasks
from apps.automation.exceptions import RetryNeedsConfirmation
from apps.automation.models import AutomationAttempt, AutomationRun
from apps.automation.services import MAX_ATTEMPTS, NEEDS_ATTENTION_ERROR, run_execute, run_sweep, run_timeout
from apps.core.models import AuditEvent
from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.services import request_create
from apps.fulfillment.services.automation import NEEDS_ATTENTION_MESSAGE, request_automation_retry
from tests.factories import CatalogItemFactory

S = RequestStatus
RETRY_URL = "/automation/runs/fulfillment.servicerequest/{}/retry/"


@pytest.fixture
def dispatched(mocker):
    return mocker.patch("apps.automation.tasks.automation_execute_run.delay")


@pytest.fixture
def file(owner, dispatched, django_capture_on_commit_callbacks):
    """``file(item, answers)``: a request filed for ``owner``, its run queued (not executed)."""

    def make(item, answers):
        with django_capture_on_commit_callbacks(execute=True):
            sr = request_create(item=item, requester=owner, answers=answers)
        return sr, AutomationRun.objects.get(subject_id=str(sr.pk))

    return make


@pytest.fixture
def email_item(desk_team):
    config = {"subject": "Welcome {{ user }}", "body": "Hello", "to": ["it@example.com"]}
    return CatalogItemFactory(
        slug="welcome-mail", fulfilling_team=desk_team, fulfilment_mode="automated",
        automation_action="email", automation_config=config,
    )  # fmt: skip


@pytest.fixture
def http_item(desk_team, endpoint_for):
    endpoint_for("/ok")
    return CatalogItemFactory(
        slug="webhook", fulfilling_team=desk_team, fulfilment_mode="automated",
        automation_action="http", automation_config={"endpoint": "hook"},
    )  # fmt: skip


def die_mid_attempt(run, *, called_out, ago=None):
    """What a worker killed during attempt ``run.attempts + 1`` leaves behind (ago: since the claim)."""
    started = timezone.now() - (ago if ago is not None else run_timeout() + dt.timedelta(seconds=1))
    AutomationRun.objects.filter(pk=run.pk).update(status="running", attempts=run.attempts + 1, started_at=started)
    run.refresh_from_db()
    AutomationAttempt.objects.create(
        run=run, number=run.attempts, started_at=started, called_out_at=started if called_out else None
    )
    return run


def attempts_of(run):
    return list(AutomationAttempt.objects.filter(run=run).values_list("number", "outcome", "called_out_at"))


@pytest.mark.django_db
def test_each_attempt_is_recorded_and_marked_before_the_external_call(file, http_item, local_server):
    sr, run = file(http_item, {"reason": "x"})

    run_execute(run_id=run.pk)

    [attempt] = AutomationAttempt.objects.filter(run=run)
    assert (attempt.number, attempt.outcome) == (1, "succeeded")
    assert attempt.started_at <= attempt.called_out_at <= attempt.finished_at


@pytest.mark.django_db
def test_an_internal_action_is_never_marked_as_calling_out(file, join_item, guild):
    _sr, run = file(join_item, {"team": "guild"})
    run_execute(run_id=run.pk)
    assert attempts_of(run) == [(1, "succeeded", None)]


@pytest.mark.django_db
def test_reclaim_time_is_the_task_hard_limit_plus_a_margin(settings):
    settings.STEWARD_AUTOMATION_TIME_LIMIT_SECONDS = 40
    settings.STEWARD_AUTOMATION_RECLAIM_MARGIN_SECONDS = 5
    assert run_timeout() == dt.timedelta(seconds=45)


@pytest.mark.django_db
def test_a_running_run_within_its_time_limit_is_left_alone(file, http_item, dispatched):
    _sr, run = file(http_item, {"reason": "x"})
    die_mid_attempt(run, called_out=True, ago=run_timeout() - dt.timedelta(seconds=5))
    dispatched.reset_mock()

    assert run_sweep() == 0

    run.refresh_from_db()
    assert run.status == "running" and attempts_of(run)[0][1] == "running"
    dispatched.assert_not_called()


@pytest.mark.django_db
def test_idempotent_run_that_called_out_is_resent_with_the_same_key(file, http_item, dispatched, local_server):
    sr, run = file(http_item, {"reason": "x"})
    die_mid_attempt(run, called_out=True)
    dispatched.reset_mock()

    assert run_sweep() == 1

    run.refresh_from_db()
    assert run.status == "pending" and attempts_of(run)[0][1] == "lost"
    dispatched.assert_called_once_with(run.pk)
    assert run_execute(run_id=run.pk).status == "succeeded"
    _base, received = local_server
    assert [r["headers"]["X-Steward-Delivery"] for r in received] == [run.key]
    assert [a[:2] for a in attempts_of(run)] == [(1, "lost"), (2, "succeeded")]
    sr.refresh_from_db()
    assert sr.status == S.FULFILLED


@pytest.mark.django_db
def test_non_idempotent_run_that_may_have_called_out_needs_attention(file, email_item, dispatched):
    sr, run = file(email_item, {"reason": "x"})
    die_mid_attempt(run, called_out=True)
    dispatched.reset_mock()

    assert run_sweep() == 0  # nothing is resent

    run.refresh_from_db()
    sr.refresh_from_db()
    assert (run.status, run.error) == ("needs_attention", NEEDS_ATTENTION_ERROR) and run.finished_at
    assert attempts_of(run)[0][1] == "lost"
    assert sr.status == S.FAILED
    event = AuditEvent.objects.filter(verb="status_changed", data__to=S.FAILED).get()
    assert event.data["comment"] == NEEDS_ATTENTION_MESSAGE and event.actor is None
    dispatched.assert_not_called()
    assert mail.outbox == [] or all("Welcome" not in m.subject for m in mail.outbox)


@pytest.mark.django_db
def test_non_idempotent_run_that_never_called_out_is_simply_retried(file, email_item, dispatched):
    _sr, run = file(email_item, {"reason": "x"})
    die_mid_attempt(run, called_out=False)

    assert run_sweep() == 1
    assert run_execute(run_id=run.pk).status == "succeeded"
    assert [m.subject for m in mail.outbox if m.subject.startswith("Welcome")] == ["Welcome owner"]


@pytest.mark.django_db
def test_a_redelivered_message_for_a_dead_workers_run_reclaims_it_first(file, email_item):
    _sr, run = file(email_item, {"reason": "x"})
    die_mid_attempt(run, called_out=True)

    assert run_execute(run_id=run.pk).status == "needs_attention"
    assert not [m for m in mail.outbox if m.subject.startswith("Welcome")]  # the mail is not sent again


@pytest.mark.django_db
def test_a_dead_worker_on_the_last_attempt_fails_the_run(file, http_item, dispatched):
    sr, run = file(http_item, {"reason": "x"})
    AutomationRun.objects.filter(pk=run.pk).update(attempts=MAX_ATTEMPTS - 1)
    run.refresh_from_db()
    die_mid_attempt(run, called_out=True)

    run_sweep()

    run.refresh_from_db()
    sr.refresh_from_db()
    assert (run.status, run.error) == ("failed", "The worker never finished it.") and sr.status == S.FAILED


@pytest.mark.django_db
def test_soft_time_limit_needs_attention_for_email_and_retries_http(file, email_item, http_item, mocker):
    mocker.patch("apps.automation.actions.email.EmailAction.run", side_effect=SoftTimeLimitExceeded())
    _sr, run = file(email_item, {"reason": "x"})
    assert run_execute(run_id=run.pk).status == "needs_attention"

    mocker.patch("apps.automation.actions.http.HttpAction.run", side_effect=SoftTimeLimitExceeded())
    _sr, run = file(http_item, {"reason": "x"})
    with pytest.raises(Exception, match="time limit"):
        run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == "pending" and attempts_of(run)[0][1] == "retrying"


def test_every_task_has_time_limits_and_the_run_task_is_rejected_on_worker_loss():
    from portal.celery import app

    app.loader.import_default_modules()
    ours = [task for name, task in app.tasks.items() if name.startswith("apps.")]
    assert ours
    for task in ours:
        assert task.time_limit or app.conf.task_time_limit, task.name
        assert task.soft_time_limit or app.conf.task_soft_time_limit, task.name
    run_task = tasks.automation_execute_run
    assert run_task.acks_late and run_task.reject_on_worker_lost
    assert run_task.soft_time_limit < run_task.time_limit <= 75
    assert app.conf.task_reject_on_worker_lost and app.conf.task_acks_late


# --- The agent's retry after "needs attention": confirmed first ----------------------------------------------


@pytest.fixture
def needs_attention(file, email_item):
    sr, run = file(email_item, {"reason": "x"})
    die_mid_attempt(run, called_out=True)
    run_sweep()
    sr.refresh_from_db()
    assert sr.status == S.FAILED
    return sr


@pytest.mark.django_db
def test_retry_service_refuses_an_unconfirmed_retry(needs_attention, agent, django_capture_on_commit_callbacks):
    with pytest.raises(RetryNeedsConfirmation):
        request_automation_retry(request=needs_attention, actor=agent)
    needs_attention.refresh_from_db()
    assert needs_attention.status == S.FAILED and AutomationRun.objects.count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        retry = request_automation_retry(request=needs_attention, actor=agent, confirmed=True)
    assert retry.sequence == 2 and retry.key != AutomationRun.objects.get(sequence=1).key
    event = AuditEvent.objects.filter(verb="status_changed", data__to=S.IN_PROGRESS, actor=agent).get()
    assert event.data["comment"] == "Automation retried (confirmed after an interrupted run)."


@pytest.mark.django_db
def test_panel_shows_needs_attention_and_the_htmx_retry_asks_to_confirm(client_for, agent, owner, needs_attention):
    client = client_for(agent)
    page = client.get(needs_attention.get_absolute_url()).content.decode()
    assert "Needs attention" in page and "Retry automation…" in page
    assert "onclick" not in page and "confirm(" not in page  # a server-side step, not a JS confirm()
    assert "Needs attention" in client_for(owner).get(needs_attention.get_absolute_url()).content.decode()

    response = client.post(RETRY_URL.format(needs_attention.pk), headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert response["HX-Retarget"] == "#automation-runs" and response["HX-Reswap"] == "outerHTML"
    assert 'id="automation-runs"' in html and "may" in html and "have happened" in html
    assert 'name="confirm" value="yes"' in html
    assert AutomationRun.objects.count() == 1  # nothing queued yet

    response = client.post(RETRY_URL.format(needs_attention.pk), {"confirm": "yes"}, headers={"HX-Request": "true"})

    assert response.status_code == 204 and response["HX-Refresh"] == "true"
    needs_attention.refresh_from_db()
    assert needs_attention.status == S.IN_PROGRESS and AutomationRun.objects.count() == 2


@pytest.mark.django_db
def test_retry_confirmation_works_without_javascript(client_for, agent, needs_attention):
    client = client_for(agent)
    response = client.post(RETRY_URL.format(needs_attention.pk))
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html and "Retry anyway" in html

    response = client.post(RETRY_URL.format(needs_attention.pk), {"confirm": "yes"})
    assert response.status_code == 302 and AutomationRun.objects.count() == 2
