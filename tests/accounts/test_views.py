import datetime as dt

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import ApiToken, Team, User
from apps.accounts.tokens import digest_key
from apps.core.selectors import audit_events_for
from tests.accounts.factories import fail_logins, make_token
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


# --- login, logout, passwords -------------------------------------------------------------------


def test_login_page_renders_with_bootstrap_fields(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert 'class="form-control' in response.content.decode()


def test_login_with_the_right_password_redirects_home(client, owner, password):
    response = client.post(reverse("accounts:login"), {"username": "owner", "password": password})
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:home")


def test_login_with_a_wrong_password_says_so(client, owner):
    response = client.post(reverse("accounts:login"), {"username": "owner", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


@override_settings(STEWARD_LOGIN_SOFT_LIMIT=3, STEWARD_LOGIN_HARD_LIMIT=5)
def test_login_page_shows_the_throttle_message(client, owner, password):
    fail_logins("owner", "127.0.0.1", 5)  # the test client's address
    response = client.post(reverse("accounts:login"), {"username": "owner", "password": password})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Too many failed login attempts. Try again in" in body
    assert "_auth_user_id" not in client.session


@override_settings(STEWARD_LOGIN_ADDRESS_SOFT_LIMIT=3, STEWARD_LOGIN_ADDRESS_HARD_LIMIT=5)
def test_login_page_throttles_one_address_trying_many_user_names(client, owner, password):
    for n in range(5):
        fail_logins(f"guess{n}", "127.0.0.1", 1, last_at=timezone.now() - dt.timedelta(minutes=5 - n))
    response = client.post(reverse("accounts:login"), {"username": "owner", "password": password})
    assert "Too many failed login attempts" in response.content.decode()
    other = Client(REMOTE_ADDR="10.9.9.9")
    assert other.post(reverse("accounts:login"), {"username": "owner", "password": password}).status_code == 302


def test_service_account_cannot_log_in_on_the_login_page(client, owner_team):
    robot = User.objects.create(username="robot", is_service_account=True, owner_team=owner_team)
    assert not robot.has_usable_password()
    response = client.post(reverse("accounts:login"), {"username": "robot", "password": ""})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_logout_needs_post(client_for, owner):
    client = client_for(owner)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_change(client, owner, password):
    client.login(username="owner", password=password)
    url = reverse("accounts:password-change")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"old_password": password, "new_password1": "a-new-long-secret-9", "new_password2": "a-new-long-secret-9"}
    )
    assert response["Location"] == reverse("accounts:password-change-done")
    owner.refresh_from_db()
    assert owner.check_password("a-new-long-secret-9")


def test_password_reset_sends_a_link_that_sets_a_new_password(client, owner):
    response = client.post(reverse("accounts:password-reset"), {"email": owner.email})
    assert response["Location"] == reverse("accounts:password-reset-done")
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/password/reset/" in line)
    path = link.split("testserver", 1)[1]
    response = client.get(path, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "reset-long-secret-7", "new_password2": "reset-long-secret-7"})
    assert response["Location"] == reverse("accounts:password-reset-complete")
    owner.refresh_from_db()
    assert owner.check_password("reset-long-secret-7")


def test_anonymous_is_sent_to_login(client):
    for name in ("accounts:profile", "accounts:token-list", "accounts:token-create", "accounts:user-search"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


# --- profile ------------------------------------------------------------------------------------


def test_profile_shows_teams_and_roles(client_for, owner):
    body = client_for(owner).get(reverse("accounts:profile")).content.decode()
    assert "Product" in body
    assert "End users" in body


def test_profile_update_saves_and_audits(client_for, owner):
    response = client_for(owner).post(
        reverse("accounts:profile"),
        {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "timezone": "Europe/London"},
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert (owner.first_name, owner.timezone) == ("Ada", "Europe/London")
    event = audit_events_for(owner).get(verb="profile_updated")
    assert set(event.data["fields"]) == {"first_name", "last_name", "email", "timezone"}


def test_profile_with_an_invalid_time_zone_shows_the_error_next_to_the_field(client_for, owner):
    response = client_for(owner).post(
        reverse("accounts:profile"),
        {"first_name": "Typed name", "last_name": "", "email": "x@example.com", "timezone": "Mars/Olympus"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_timezone_error"' in body
    assert "Mars/Olympus is not one of the available choices" in body
    assert 'value="Typed name"' in body
    owner.refresh_from_db()
    assert owner.timezone == "UTC"


def test_profile_preselects_the_saved_time_zone(client_for, owner):
    owner.timezone = "Asia/Tokyo"
    owner.save()
    response = client_for(owner).get(reverse("accounts:profile"))
    assert 'value="Asia/Tokyo" selected' in response.content.decode()


# --- tokens UI ----------------------------------------------------------------------------------


def test_token_create_shows_the_key_once_and_stores_only_its_digest(client_for, owner):
    client = client_for(owner)
    response = client.post(
        reverse("accounts:token-create"), {"name": "deploy", "scopes": ["requests", "changes"], "access": "write"}
    )
    assert response.status_code == 200
    key = response.context["key"]
    assert key in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=owner)
    assert token.digest == digest_key(key)
    assert key not in {str(v) for v in ApiToken.objects.values().get().values()}
    assert token.scopes == ["changes", "requests"]
    assert key not in client.get(reverse("accounts:token-list")).content.decode()
    assert audit_events_for(token).filter(verb="token_created").exists()


def test_token_create_with_an_expiry_day_expires_at_its_end(client_for, owner):
    day = timezone.localdate() + dt.timedelta(days=3)
    client_for(owner).post(
        reverse("accounts:token-create"),
        {"name": "ci", "scopes": ["requests"], "access": "read", "expires_on": day.isoformat()},
    )
    token = ApiToken.objects.get(user=owner)
    assert token.expires_at is not None
    assert timezone.localtime(token.expires_at).date() == day + dt.timedelta(days=1)


def test_token_create_rejects_bad_input_keeping_what_was_typed(client_for, owner):
    response = client_for(owner).post(
        reverse("accounts:token-create"),
        {"name": "my script", "scopes": ["root"], "access": "write", "expires_on": "2000-01-01"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Unknown scope root." in body
    assert "Choose today or a later day." in body
    assert 'value="my script"' in body
    assert not ApiToken.objects.exists()


def test_token_list_shows_own_tokens_only(client_for, owner, outsider):
    make_token(owner, name="mine")
    make_token(outsider, name="theirs")
    body = client_for(owner).get(reverse("accounts:token-list")).content.decode()
    assert "mine" in body
    assert "theirs" not in body


def test_token_list_query_count_does_not_grow_with_tokens(client_for, owner, django_assert_num_queries):
    for n in range(5):
        make_token(owner, name=f"t{n}")
    client = client_for(owner)
    # session, user, tokens
    with django_assert_num_queries(3):  # session, user with its permissions (accounts.backends), tokens
        response = client.get(reverse("accounts:token-list"))
    assert response.status_code == 200


def test_token_revoke_without_js_redirects(client_for, owner):
    token, _ = make_token(owner)
    response = client_for(owner).post(reverse("accounts:token-revoke", args=[token.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:token-list")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert audit_events_for(token).filter(verb="token_revoked", actor=owner).exists()


def test_token_revoke_with_htmx_returns_the_row_only(client_for, owner):
    token, _ = make_token(owner)
    response = client_for(owner).post(reverse("accounts:token-revoke", args=[token.pk]), **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert f'id="token-{token.pk}"' in body
    assert "revoked" in body


@pytest.mark.parametrize("who", ["teammate", "outsider", "admin_user"])
def test_revoking_another_users_token_is_404(request, client_for, owner, who):
    token, _ = make_token(owner)
    response = client_for(request.getfixturevalue(who)).post(reverse("accounts:token-revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_revoke_needs_post(client_for, owner):
    token, _ = make_token(owner)
    assert client_for(owner).get(reverse("accounts:token-revoke", args=[token.pk])).status_code == 405


# --- pickers ------------------------------------------------------------------------------------


def test_user_search_returns_options(client_for, owner, teammate, outsider):
    UserFactory(username="ada", first_name="Ada", last_name="Lovelace")
    response = client_for(owner).get(reverse("accounts:user-search"), {"q": "love"})
    body = response.content.decode()
    assert '<option value="ada">Ada Lovelace (ada)</option>' in body
    assert "<html" not in body
    assert "outsider" not in body


def test_user_search_matches_every_word_and_skips_service_accounts(client_for, owner, owner_team):
    UserFactory(username="grace", first_name="Grace", last_name="Hopper")
    UserFactory(username="gary", first_name="Gary", last_name="Hopkins")
    User.objects.create(username="hopper-bot", is_service_account=True, owner_team=owner_team)
    body = client_for(owner).get(reverse("accounts:user-search"), {"q": "gr hop"}).content.decode()
    assert 'value="grace"' in body
    assert 'value="gary"' not in body
    assert "hopper-bot" not in body


def test_user_search_needs_a_query_and_limits_to_ten(client_for, owner):
    for n in range(12):
        UserFactory(username=f"bulk{n:02d}")
    client = client_for(owner)
    assert client.get(reverse("accounts:user-search"), {"q": ""}).content.decode().strip() == ""
    assert client.get(reverse("accounts:user-search"), {"q": "bulk"}).content.decode().count("<option") == 10


def test_team_search_and_joinable_filter(client_for, owner):
    TeamFactory(name="Platform guild", slug="platform-guild", joinable=True)
    TeamFactory(name="Platform team", slug="platform-team")
    client = client_for(owner)
    body = client.get(reverse("accounts:team-search"), {"q": "platform"}).content.decode()
    assert 'value="platform-guild"' in body and 'value="platform-team"' in body
    body = client.get(reverse("accounts:team-search"), {"q": "platform", "joinable": "1"}).content.decode()
    assert 'value="platform-guild"' in body and "platform-team" not in body
    assert Team.objects.count() >= 2


def test_pickers_need_login():
    client = Client()
    assert client.get(reverse("accounts:team-search"), {"q": "x"}).status_code == 302
