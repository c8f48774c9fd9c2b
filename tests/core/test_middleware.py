"""Safety headers on every answer, no-store on personal ones, and 413 for bodies over their route's limit."""

import pytest
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import include, path, reverse
from rest_framework.request import Request
from rest_framework.test import APIClient

from apps.core.api.exceptions import exception_handler
from tests.accounts.factories import make_token

pytestmark = pytest.mark.django_db


def calendar_feed(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("BEGIN:VCALENDAR", content_type="text/calendar")
    response["Cache-Control"] = "private, no-cache"  # re-polled with ETags: must stay cacheable
    return response


urlpatterns = [path("feed.ics", calendar_feed), path("", include("portal.urls"))]


def test_every_page_has_a_strict_csp_and_a_permissions_policy(client, client_for, owner):
    for response in (client.get(reverse("accounts:login")), client_for(owner).get(reverse("catalog:home"))):
        csp = response["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self';" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "camera=()" in response["Permissions-Policy"]


def test_api_answers_and_errors_have_the_csp_too(client):
    response = client.get("/api/v1/requests/")
    assert response.status_code == 401
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_only_the_api_docs_pages_get_the_relaxed_policy(client_for, owner):
    client = client_for(owner)
    docs = client.get(reverse("api:docs"))
    assert docs.status_code == 200
    assert "style-src 'self' 'unsafe-inline'" in docs["Content-Security-Policy"]
    assert "script-src 'self';" in docs["Content-Security-Policy"]  # the split view: its script is a file
    assert "<script>" not in docs.content.decode()
    assert "unsafe-inline" not in client.get(reverse("api:schema"))["Content-Security-Policy"]


def test_base_layout_configures_htmx_for_the_csp(client):
    body = client.get(reverse("accounts:login")).content.decode()
    assert '"allowEval": false' in body and '"includeIndicatorStyles": false' in body
    assert "<script>" not in body and " style=" not in body and "onchange=" not in body


def test_signed_in_pages_are_not_stored(client_for, owner):
    assert client_for(owner).get(reverse("catalog:home"))["Cache-Control"] == "no-store"


def test_api_answers_are_not_stored_even_anonymous_ones(client, owner):
    _, key = make_token(owner)
    assert APIClient().get("/api/v1/tokens/", HTTP_AUTHORIZATION=f"Token {key}")["Cache-Control"] == "no-store"
    assert client.get("/api/v1/tokens/")["Cache-Control"] == "no-store"


def test_csv_exports_are_not_stored(client_for, agent):
    response = client_for(agent).get(reverse("fulfillment:queue-export"))
    assert response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == "no-store"


@pytest.mark.urls(__name__)
def test_a_view_that_sets_its_own_cache_control_keeps_it(client_for, owner):
    assert client_for(owner).get("/feed.ics")["Cache-Control"] == "private, no-cache"


def test_anonymous_pages_may_be_cached(client):
    response = client.get(reverse("accounts:password-reset"))
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
def test_static_files_keep_their_caching(owner):
    client = Client()  # a new handler: whitenoise reads its settings when the middleware is built
    client.force_login(owner)
    response = client.get("/static/css/steward.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


# --- request body limits ---------------------------------------------------------------------------


@override_settings(STEWARD_BODY_LIMITS={"/": 1000})
def test_an_html_form_over_the_limit_is_a_readable_413(client_for, owner):
    response = client_for(owner).post(reverse("accounts:profile"), {"first_name": "x" * 2000})
    assert response.status_code == 413
    assert "text/html" in response["Content-Type"]
    assert "at most 1,000 bytes" in response.content.decode()  # below 1 KB: bytes
    assert "default-src 'self'" in response["Content-Security-Policy"]


@override_settings(STEWARD_BODY_LIMITS={"/": 1000})
def test_an_api_body_over_the_limit_is_a_json_413(owner):
    _, key = make_token(owner)
    response = APIClient().post(
        "/api/v1/requests/",
        {"item": "x", "answers": {"a": "x" * 2000}},
        format="json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert response.status_code == 413
    assert "at most 1,000 bytes" in response.json()["detail"]


@override_settings(STEWARD_BODY_LIMITS={"/": 1000, "/api/v1/big/": 5000, "/requests/*/attachments/": 5000})
def test_the_limit_is_per_route():
    from apps.core.request_info import body_limit_for

    assert body_limit_for("/api/v1/requests/") == 1000
    assert body_limit_for("/api/v1/big/intake/") == 5000
    assert body_limit_for("/requests/SR-000001/attachments/") == 5000
    assert body_limit_for("/requests/SR-000001/comments/") == 1000


@override_settings(STEWARD_BODY_LIMITS={"/": 1000, "/accounts/profile/": 100_000})
def test_a_route_with_a_larger_limit_accepts_a_larger_body(client_for, owner):
    response = client_for(owner).post(reverse("accounts:profile"), {"first_name": "x" * 2000, "timezone": "UTC"})
    assert response.status_code != 413


@override_settings(STEWARD_BODY_LIMITS={"/": 100_000}, DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_djangos_own_limit_answers_413_too(client_for, owner):
    # Django raises RequestDataTooBig while the view parses the form: 413, not its usual 400.
    response = client_for(owner).post(reverse("accounts:profile"), {"first_name": "x" * 2000})
    assert response.status_code == 413


@override_settings(STEWARD_BODY_LIMITS={"/": 1000})
def test_the_api_answers_requestdatatoobig_with_a_json_413():
    # The JSON parser reads the stream itself, but any parser that asks Django for the body can meet it.
    request = Request(RequestFactory().post("/api/v1/requests/"))
    response = exception_handler(RequestDataTooBig("too big"), {"request": request, "view": None})
    assert response is not None and response.status_code == 413
    assert response.data["detail"] == "The request body is too large: at most 1,000 bytes are accepted here."
