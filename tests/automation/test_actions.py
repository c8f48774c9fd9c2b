"""The built-in actions, each on its own: http against a local server, join-team, email."""

import hashlib
import hmac
import json

import pytest
from django.core import mail

from apps.accounts.models import Membership
from apps.automation.actions.http import resolve
from apps.automation.registry import ActionError, RetryableError, Subject, get_action

SUBJECT = Subject(type="tests.thing", id="7", key="tests.thing:7:1")
PARAMS = {
    "answers": {"team": "guild", "reason": "onboarding"},
    "user": "owner",
    "requester": "owner",
    "reference": "SR-7",
}


def run_http(config):
    return get_action("http").run(params=PARAMS, subject=SUBJECT, config=config)


# --- http ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_http_posts_the_answers_signed_with_the_endpoint_secret(endpoint_for, local_server):
    endpoint_for("/ok")
    _base, received = local_server

    result = run_http({"endpoint": "hook"})

    [request] = received
    body = request["body"]
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert request["method"] == "POST" and request["path"] == "/ok"
    assert request["headers"]["X-Steward-Signature"] == expected
    assert request["headers"]["X-Steward-Delivery"] == "tests.thing:7:1"
    assert json.loads(body) == {
        "subject": {"type": "tests.thing", "id": "7"},
        "delivery": "tests.thing:7:1",
        **PARAMS,
    }
    assert result.output["status"] == 200 and result.output["response"] == {"ticket": "EXT-1"}
    assert result.output["summary"] == "Hook answered 200."


@pytest.mark.django_db
def test_http_timeout_is_retryable(endpoint_for):
    endpoint_for("/slow", timeout=1)
    with pytest.raises(RetryableError, match="did not answer within 1 s"):
        run_http({"endpoint": "hook"})


@pytest.mark.django_db
def test_http_follows_a_redirect_to_the_same_host_only(endpoint_for, local_server):
    _base, received = local_server
    endpoint_for("/same")
    assert run_http({"endpoint": "hook"}).output["url"].endswith("/ok")
    assert [(r["method"], r["path"]) for r in received] == [("POST", "/same"), ("POST", "/ok")]

    endpoint_for("/away")
    with pytest.raises(ActionError, match="Refused a redirect .* to another host: http://localhost"):
        run_http({"endpoint": "hook"})
    assert received[-1]["path"] == "/away"  # the other host was never called

    endpoint_for("/loop")
    with pytest.raises(ActionError, match="More than 3 redirects"):
        run_http({"endpoint": "hook"})


@pytest.mark.django_db
def test_http_refuses_loopback_unless_allow_listed(endpoint_for, local_server, settings):
    _base, received = local_server
    endpoint_for("/ok")
    settings.STEWARD_AUTOMATION_ALLOWED_HOSTS = []

    with pytest.raises(ActionError, match="private or local address"):
        run_http({"endpoint": "hook"})

    assert received == []


@pytest.mark.parametrize(
    "address", ["10.1.2.3", "169.254.169.254", "192.168.0.1", "::1", "0.0.0.0", "::ffff:127.0.0.1"]
)
def test_private_link_local_and_unspecified_addresses_are_refused(address, settings):
    settings.STEWARD_AUTOMATION_ALLOWED_HOSTS = []
    with pytest.raises(ActionError):
        resolve(address, 80)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "error"),
    [(500, RetryableError), (503, RetryableError), (429, RetryableError), (404, ActionError), (400, ActionError)],
)
def test_http_non_2xx_is_retried_or_fails(endpoint_for, status, error):
    endpoint_for(f"/status/{status}")
    with pytest.raises(error, match=f"answered {status}"):
        run_http({"endpoint": "hook"})


@pytest.mark.django_db
def test_http_refuses_other_schemes_and_missing_endpoints(endpoint_for):
    endpoint = endpoint_for("/ok")
    endpoint.url = "file:///etc/passwd"
    endpoint.save()
    with pytest.raises(ActionError, match="Only http and https"):
        run_http({"endpoint": "hook"})
    with pytest.raises(ActionError, match="No HTTP endpoint"):
        run_http({"endpoint": "gone"})


def test_connection_refused_is_retryable(settings):
    settings.STEWARD_AUTOMATION_ALLOWED_HOSTS = ["127.0.0.1"]
    from apps.automation.actions.http import post_signed

    with pytest.raises(RetryableError, match="failed"):
        post_signed("http://127.0.0.1:1/", body=b"{}", secret="x", timeout=1)


# --- join-team -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_join_team_adds_the_user_once(owner, guild):
    action = get_action("join-team")

    result = action.run(params=PARAMS, subject=SUBJECT, config={})
    action.run(params=PARAMS, subject=SUBJECT, config={})

    assert Membership.objects.filter(user=owner, team=guild).count() == 1
    assert result.output == {"team": "guild", "user": "owner", "summary": "owner is a member of Guild."}


@pytest.mark.django_db
def test_join_team_fails_for_a_closed_or_unknown_team(owner, other_team, guild):
    action = get_action("join-team")
    with pytest.raises(ActionError, match="cannot be joined"):
        action.run(params={**PARAMS, "answers": {"team": other_team.slug}}, subject=SUBJECT, config={})
    with pytest.raises(ActionError, match="No team"):
        action.run(params={**PARAMS, "answers": {"team": "nope"}}, subject=SUBJECT, config={})
    with pytest.raises(ActionError, match="No active user"):
        action.run(params={**PARAMS, "user": "ghost"}, subject=SUBJECT, config={})


# --- email -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_email_renders_the_templates_with_the_answers_only(owner):
    config = {
        "subject": "Onboarding {{ answers.team }} for\n{{ user }}",
        "body": "Reason: {{ answers.reason }} <b>{{ settings.SECRET_KEY }}</b>{{ request.user }}",
        "to": ["it@example.com"],
        "to_user": True,
    }

    result = get_action("email").run(params=PARAMS, subject=SUBJECT, config=config)

    [message] = mail.outbox
    assert message.subject == "Onboarding guild for owner"
    assert message.body == "Reason: onboarding <b></b>"  # no escaping, nothing but the params in context
    assert message.to == ["it@example.com", "owner@example.com"]
    assert result.output["summary"] == "Sent “Onboarding guild for owner” to 2 recipient(s)."


def test_email_templates_cannot_load_tag_libraries():
    from django.core.exceptions import ValidationError

    from apps.automation.registry import check_config

    with pytest.raises(ValidationError, match="invalid"):
        check_config(get_action("email"), {"subject": "{% load static %}x", "body": "b", "to": ["a@example.com"]})


@pytest.mark.django_db
def test_email_server_failure_is_retryable(mocker):
    mocker.patch("apps.automation.actions.email.EmailMessage.send", side_effect=ConnectionRefusedError("down"))
    with pytest.raises(RetryableError, match="mail server"):
        get_action("email").run(
            params=PARAMS, subject=SUBJECT, config={"subject": "s", "body": "b", "to": ["a@example.com"]}
        )


@pytest.mark.django_db
def test_http_deadline_cuts_off_a_server_that_trickles_its_answer(endpoint_for, local_server):
    import time

    endpoint_for("/trickle", timeout=1)  # the server would take 10 s, a byte at a time (each read is quick)
    started = time.monotonic()
    with pytest.raises(RetryableError, match="did not answer within 1 s"):
        run_http({"endpoint": "hook"})
    assert time.monotonic() - started < 2.5


def test_idempotency_is_declared_per_action():
    assert get_action("http").idempotent and get_action("join-team").idempotent
    assert not get_action("email").idempotent
    assert get_action("http").calls_out and get_action("email").calls_out and not get_action("join-team").calls_out
