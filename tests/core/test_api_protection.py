"""The API's rate limits (per token, per user, per address), and the schema and docs behind login."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from apps.core.api.throttling import AddressRateThrottle, TokenRateThrottle, UserRateThrottle
from tests.accounts.factories import make_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/tokens/"
OBTAIN = "/api/v1/auth/token/"


@pytest.fixture
def low_rates(mocker):
    # DRF reads the rates into a class attribute at import; the settings' values are tested elsewhere.
    for throttle in (TokenRateThrottle, UserRateThrottle, AddressRateThrottle):
        mocker.patch.object(throttle, "THROTTLE_RATES", {"token": "3/minute", "user": "3/minute", "anon": "3/minute"})


def token_client(key: str, ip: str = "192.0.2.1") -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}", REMOTE_ADDR=ip)


def calls(client: APIClient | Client, times: int, path: str = LIST) -> list[int]:
    return [client.get(path).status_code for _ in range(times)]


def test_token_calls_are_limited_per_token_with_retry_after(low_rates, owner):
    _, first = make_token(owner)
    _, second = make_token(owner)
    client = token_client(first)

    assert calls(client, 3) == [200] * 3
    refused = client.get(LIST)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "throttled" in refused.json()["detail"].lower()
    # Same user, same address, another token: its own bucket (pipelines are throttled per token).
    assert calls(token_client(second), 1) == [200]


def test_tokens_behind_one_address_do_not_share_a_bucket(low_rates, owner, teammate):
    _, mine = make_token(owner)
    _, theirs = make_token(teammate)
    assert calls(token_client(mine, "10.0.0.1"), 4)[-1] == 429
    assert calls(token_client(theirs, "10.0.0.1"), 1) == [200]


def test_session_calls_are_limited_per_user(low_rates, client_for, owner, teammate):
    assert calls(client_for(owner), 4)[-1] == 429
    assert calls(client_for(teammate), 1) == [200]


def test_anonymous_calls_are_limited_per_address_which_a_header_cannot_change(low_rates, owner):
    # Anonymous calls to endpoints that need a login are refused (401) before any throttle is consulted;
    # the open ones, such as buying a token with a password, are counted per address.
    body = {"username": "owner", "password": "wrong"}
    client = APIClient(REMOTE_ADDR="203.0.113.9")
    statuses = [client.post(OBTAIN, body, format="json").status_code for _ in range(3)]
    spoofed = client.post(OBTAIN, body, format="json", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert statuses == [401] * 3
    assert spoofed.status_code == 429
    assert int(spoofed["Retry-After"]) > 0
    assert APIClient(REMOTE_ADDR="203.0.113.10").post(OBTAIN, body, format="json").status_code == 401


def test_throttle_rates_come_from_settings():
    from django.conf import settings

    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert set(rates) == {"token", "user", "anon"}
    assert TokenRateThrottle().rate == rates["token"]


# --- schema and docs --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["api:schema", "api:docs", "api:redoc"])
def test_schema_and_docs_are_for_signed_in_users(client, client_for, owner, name):
    assert client.get(reverse(name)).status_code in {302, 401}
    assert client_for(owner).get(reverse(name)).status_code == 200


def test_anonymous_docs_send_to_the_login_page(client):
    response = client.get(reverse("api:docs"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_token_reads_the_schema(owner):
    _, key = make_token(owner, access="read")
    assert token_client(key).get(reverse("api:schema")).status_code == 200
    assert APIClient().get(reverse("api:schema")).status_code == 401


@override_settings(STEWARD_API_DOCS_PUBLIC=True)
@pytest.mark.parametrize("name", ["api:schema", "api:docs", "api:redoc"])
def test_schema_and_docs_can_be_made_public(client, name):
    assert client.get(reverse(name)).status_code == 200


def test_users_without_a_role_still_read_the_docs(client_for):
    assert client_for(UserFactory()).get(reverse("api:schema")).status_code == 200
