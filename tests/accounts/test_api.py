import datetime as dt

import pytest
from django.test import override_settings
from django.urls import include, path
from django.utils import timezone
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from apps.accounts.api.permissions import HasScope
from apps.accounts.models import ApiToken, LoginThrottle, User
from apps.accounts.permissions import token_has_scope
from apps.accounts.tokens import digest_key
from tests.accounts.factories import fail_logins, make_token

pytestmark = pytest.mark.django_db


class ScopedView(APIView):
    permission_classes = [IsAuthenticated, HasScope("changes")]

    def get(self, request: Request) -> Response:
        return Response({"user": request.user.get_username()})

    def post(self, request: Request) -> Response:
        return Response({"ok": True})


urlpatterns = [
    path("scoped/", ScopedView.as_view()),
    path("api/v1/", include(("apps.accounts.api.urls", "api"))),
]


def token_client(key: str, keyword: str = "Token") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {key}")
    return client


# --- token authentication and HasScope ----------------------------------------------------------


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("keyword", ["Token", "Bearer", "bearer"])
def test_token_and_bearer_headers_authenticate(owner, keyword):
    _, key = make_token(owner, scopes=["changes"], access="read")
    response = token_client(key, keyword).get("/scoped/")
    assert response.status_code == 200
    assert response.json() == {"user": "owner"}


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    "header", ["Token", "Token a b", "Token stw_unknown", "Basic dXNlcjpwYXNz", "Token \u00e9t\u00e9"]
)
def test_bad_or_missing_tokens_answer_401(owner, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get("/scoped/").status_code == 401


@pytest.mark.urls(__name__)
def test_revoked_token_is_refused(owner):
    token, key = make_token(owner, scopes=["changes"])
    token.revoked_at = timezone.now()
    token.save()
    response = token_client(key).get("/scoped/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.urls(__name__)
def test_expired_token_is_refused(owner):
    token, key = make_token(owner, scopes=["changes"], expires_at=timezone.now() + dt.timedelta(hours=1))
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert token_client(key).get("/scoped/").status_code == 401


@pytest.mark.urls(__name__)
def test_token_of_an_inactive_user_is_refused(owner):
    _, key = make_token(owner, scopes=["changes"])
    User.objects.filter(pk=owner.pk).update(is_active=False)
    assert token_client(key).get("/scoped/").status_code == 401


@pytest.mark.urls(__name__)
def test_last_used_at_is_updated(owner):
    token, key = make_token(owner, scopes=["changes"])
    assert token.last_used_at is None
    token_client(key).get("/scoped/")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_only_the_digest_is_stored(owner):
    token, key = make_token(owner)
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert row["digest"] == digest_key(key)
    assert key not in [str(value) for value in row.values()]
    assert key.startswith(row["prefix"])


@pytest.mark.urls(__name__)
def test_missing_scope_is_403_naming_the_scope(owner):
    _, key = make_token(owner, scopes=["requests"], access="write")
    response = token_client(key).get("/scoped/")
    assert response.status_code == 403
    assert '"changes"' in response.json()["detail"]


@pytest.mark.urls(__name__)
def test_read_token_cannot_post(owner):
    _, key = make_token(owner, scopes=["changes"], access="read")
    client = token_client(key)
    assert client.get("/scoped/").status_code == 200
    response = client.post("/scoped/", {}, format="json")
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    _, write_key = make_token(owner, scopes=["changes"], access="write")
    assert token_client(write_key).post("/scoped/", {}, format="json").status_code == 200


@pytest.mark.urls(__name__)
def test_session_passes_the_scope_check(client_for, owner):
    client = client_for(owner)
    assert client.get("/scoped/").status_code == 200


@pytest.mark.urls(__name__)
def test_anonymous_is_401_or_403(client):
    assert client.get("/scoped/").status_code in (401, 403)


def test_token_has_scope(owner):
    read, _ = make_token(owner, scopes=["requests"], access="read")
    write, _ = make_token(owner, scopes=["requests", "admin"], access="write")
    assert token_has_scope(read, "requests", write=False)
    assert not token_has_scope(read, "requests", write=True)
    assert not token_has_scope(read, "admin", write=False)
    assert token_has_scope(write, "admin", write=True)
    assert not token_has_scope(write, "changes", write=False)


# --- POST /api/v1/auth/token/ -------------------------------------------------------------------

OBTAIN = "/api/v1/auth/token/"


def test_obtain_token_with_password(owner, password):
    response = APIClient().post(OBTAIN, {"username": "owner", "password": password}, format="json")
    assert response.status_code == 201
    body = response.json()
    token = ApiToken.objects.get(user=owner)
    assert token.digest == digest_key(body["key"])
    assert body["token"]["scopes"] == ["requests"]
    assert body["token"]["access"] == "write"
    assert body["token"]["name"].startswith("api login ")
    assert "key" not in body["token"] and "digest" not in body["token"]
    # The new key works on the API.
    me = token_client(body["key"]).get("/api/v1/tokens/")
    assert me.status_code == 200


def test_obtain_token_with_a_bad_password_is_401(owner):
    response = APIClient().post(OBTAIN, {"username": "owner", "password": "wrong"}, format="json")
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid user name or password."
    assert LoginThrottle.objects.get(key="pair:127.0.0.1:owner").failures == 1
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [{}, {"username": "owner"}, {"username": ["x"], "password": 1}, {"username": "a\x00b", "password": "x"}, []],
)
def test_obtain_token_with_bad_input_is_400(owner, payload):
    response = APIClient().post(OBTAIN, payload, format="json")
    assert response.status_code == 400


@override_settings(STEWARD_LOGIN_SOFT_LIMIT=3, STEWARD_LOGIN_HARD_LIMIT=5)
def test_obtain_token_is_throttled_like_login(owner, password):
    fail_logins("owner", "127.0.0.1", 5)
    response = APIClient().post(OBTAIN, {"username": "owner", "password": password}, format="json")
    assert response.status_code == 429
    assert "Try again in" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0
    assert not ApiToken.objects.exists()


def test_obtain_token_refuses_service_accounts(owner_team):
    robot = User.objects.create(username="robot", is_service_account=True, owner_team=owner_team)
    User.objects.filter(pk=robot.pk).update(password="")
    response = APIClient().post(OBTAIN, {"username": "robot", "password": ""}, format="json")
    assert response.status_code == 400  # blank password never reaches authentication
    response = APIClient().post(OBTAIN, {"username": "robot", "password": "guess"}, format="json")
    assert response.status_code == 401
    assert not ApiToken.objects.exists()


# --- /api/v1/tokens/ ----------------------------------------------------------------------------

TOKENS = "/api/v1/tokens/"


def session(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("who", ["owner", "teammate", "outsider", "agent", "admin_user"])
def test_token_list_shows_only_own_tokens(request, owner, who):
    user = request.getfixturevalue(who)
    make_token(owner, name="owner's")
    make_token(user, name="mine")
    names = [row["name"] for row in session(user).get(TOKENS).json()["results"]]
    assert "mine" in names
    assert ("owner's" in names) == (who == "owner")


def test_token_create_returns_the_key_once(owner):
    response = session(owner).post(
        TOKENS, {"name": "pipeline", "scopes": ["evidence", "changes"], "access": "write"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert ApiToken.objects.get(pk=body["token"]["id"]).digest == digest_key(body["key"])
    assert body["token"]["scopes"] == ["changes", "evidence"]
    listed = session(owner).get(f"{TOKENS}{body['token']['id']}/").json()
    assert "key" not in listed


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "x", "scopes": ["root"]}, "scopes"),
        ({"name": "x", "scopes": []}, "scopes"),
        ({"name": "x", "scopes": "requests"}, "scopes"),
        ({"name": "x", "scopes": ["requests"], "access": "all"}, "access"),
        ({"name": "", "scopes": ["requests"]}, "name"),
        ({"name": "x", "scopes": ["requests"], "expires_at": "2000-01-01T00:00:00Z"}, "expires_at"),
        ({"name": "x", "scopes": ["requests"], "expires_at": "soon"}, "expires_at"),
    ],
)
def test_token_create_rejects_bad_input_per_field(owner, payload, field):
    response = session(owner).post(TOKENS, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_unknown_scope_message_names_it(owner):
    response = session(owner).post(TOKENS, {"name": "x", "scopes": ["requests", "root"]}, format="json")
    assert response.json()["scopes"] == ['Unknown scope "root".']


def test_token_can_manage_tokens_only_in_write_mode_and_within_its_scopes(owner):
    _, read_key = make_token(owner, scopes=["requests"], access="read")
    _, write_key = make_token(owner, scopes=["requests"], access="write")
    payload = {"name": "child", "scopes": ["requests"], "access": "read"}
    assert token_client(read_key).get(TOKENS).status_code == 200
    assert token_client(read_key).post(TOKENS, payload, format="json").status_code == 403
    assert token_client(write_key).post(TOKENS, payload, format="json").status_code == 201
    wider = token_client(write_key).post(TOKENS, {**payload, "scopes": ["admin"]}, format="json")
    assert wider.status_code == 400
    assert "admin" in wider.json()["scopes"][0]


def test_token_with_expiry_cannot_mint_a_longer_lived_token(owner):
    _, key = make_token(owner, scopes=["requests"], access="write", expires_at=timezone.now() + dt.timedelta(days=1))
    payload = {"name": "child", "scopes": ["requests"]}
    assert token_client(key).post(TOKENS, payload, format="json").status_code == 400
    soon = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    assert token_client(key).post(TOKENS, {**payload, "expires_at": soon}, format="json").status_code == 201


def test_revoke_own_token(owner):
    token, key = make_token(owner, scopes=["requests"])
    response = session(owner).post(f"{TOKENS}{token.pk}/revoke/")
    assert response.status_code == 200
    assert response.json()["status"] == "revoked"
    assert token_client(key).get(TOKENS).status_code == 401
    # Revoking again changes nothing.
    assert session(owner).post(f"{TOKENS}{token.pk}/revoke/").json()["revoked_at"] == response.json()["revoked_at"]


@pytest.mark.parametrize("who", ["teammate", "outsider", "admin_user"])
def test_revoke_or_read_another_users_token_is_404(request, owner, who):
    token, _ = make_token(owner)
    client = session(request.getfixturevalue(who))
    assert client.post(f"{TOKENS}{token.pk}/revoke/").status_code == 404
    assert client.get(f"{TOKENS}{token.pk}/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize("pk", ["abc", "0.5", "999999"])
def test_unknown_token_ids_answer_json_404(owner, pk):
    response = session(owner).post(f"{TOKENS}{pk}/revoke/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_tokens_endpoint_needs_authentication():
    assert APIClient().get(TOKENS).status_code == 401


def test_schema_documents_token_endpoints(admin_user):
    response = session(admin_user).get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert set(paths["/api/v1/auth/token/"]["post"]["responses"]) >= {"201", "400", "401", "429"}
    assert set(paths["/api/v1/tokens/{id}/revoke/"]["post"]["responses"]) >= {"200", "401", "403", "404"}


def test_a_token_bought_with_a_password_expires_after_90_days(owner, password):
    before = timezone.now()
    response = APIClient().post(OBTAIN, {"username": "owner", "password": password}, format="json")

    token = ApiToken.objects.get(user=owner)
    assert before + dt.timedelta(days=90) <= token.expires_at <= timezone.now() + dt.timedelta(days=90)
    assert response.json()["token"]["expires_at"] is not None


@override_settings(STEWARD_API_LOGIN_TOKEN_DAYS=7)
def test_the_lifetime_of_password_tokens_is_a_setting(owner, password):
    APIClient().post(OBTAIN, {"username": "owner", "password": password}, format="json")

    token = ApiToken.objects.get(user=owner)
    assert token.expires_at - token.created_at == pytest.approx(dt.timedelta(days=7), abs=dt.timedelta(seconds=5))


def test_a_password_token_stops_working_when_it_expires(owner, password):
    key = APIClient().post(OBTAIN, {"username": "owner", "password": password}, format="json").json()["key"]
    ApiToken.objects.filter(user=owner).update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    assert token_client(key).get("/api/v1/tokens/").status_code == 401
