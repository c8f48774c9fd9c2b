import pytest
from django.test import override_settings
from django.urls import reverse

from apps.accounts.models import ApiToken
from apps.accounts.tokens import digest_key
from tests.accounts.factories import fail_logins, make_token

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["user", "team", "apitoken", "loginthrottle"])
def test_admin_lists_and_pages_render(client_for, admin_user, owner, model):
    make_token(owner)
    fail_logins("owner", "10.0.0.1", 1)
    client = client_for(admin_user)
    assert client.get(reverse(f"admin:accounts_{model}_changelist")).status_code == 200
    obj = {"user": owner, "team": owner.primary_team, "apitoken": ApiToken.objects.first()}.get(model)
    if obj is not None:
        assert client.get(reverse(f"admin:accounts_{model}_change", args=[obj.pk])).status_code == 200


def test_admin_creates_a_token_and_shows_the_key_once(client_for, admin_user, owner):
    response = client_for(admin_user).post(
        reverse("admin:accounts_apitoken_add"),
        {
            "user": owner.pk,
            "name": "pipeline",
            "scopes": ["evidence"],
            "access": "write",
            "expires_at_0": "",
            "expires_at_1": "",
        },
        follow=True,
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(user=owner)
    message = next(str(m) for m in response.context["messages"] if "shown only now" in str(m))
    assert token.digest == digest_key(message.rsplit(" ", 1)[1])


@override_settings(STEWARD_LOGIN_SOFT_LIMIT=3, STEWARD_LOGIN_HARD_LIMIT=5)
def test_admin_login_shows_the_throttle_message(client, admin_user, password):
    fail_logins("admin", "127.0.0.1", 5)  # the test client's address
    response = client.post(reverse("admin:login"), {"username": "admin", "password": password})
    assert "Too many failed login attempts" in response.content.decode()
