"""Branded error pages with a way back, in production settings (DEBUG off): 400, 403, 404, 500 and 413."""

import pytest
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest
from django.template import engines
from django.test import Client, override_settings
from django.urls import include, path, reverse

pytestmark = pytest.mark.django_db


def boom(request: HttpRequest) -> None:
    raise RuntimeError("a bug")


def suspicious(request: HttpRequest) -> None:
    raise SuspiciousOperation("odd input")


urlpatterns = [path("boom/", boom), path("suspicious/", suspicious), path("", include("portal.urls"))]
handler400 = "apps.core.views.bad_request"
handler403 = "apps.core.views.permission_denied"
handler404 = "apps.core.views.page_not_found"


@pytest.fixture(autouse=True)
def _production(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__


def test_debug_is_off_in_these_tests():
    assert settings.DEBUG is False


def test_404_is_branded_with_the_menu_and_a_way_back(client_for, owner):
    response = client_for(owner).get("/no-such-page/", HTTP_REFERER="http://testserver/requests/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "This page does not exist" in body
    assert 'href="http://testserver/requests/">Go back' in body
    assert "Go to the catalog" in body and 'id="nav-main"' in body


def test_404_does_not_lead_back_to_another_site(client_for, owner):
    body = client_for(owner).get("/no-such-page/", HTTP_REFERER="https://evil.example/").content.decode()
    assert "evil.example" not in body


def test_a_requester_on_an_agent_page_gets_the_403_page_with_a_link_to_their_requests(client_for, owner):
    response = client_for(owner).get(reverse("fulfillment:queue"))
    body = response.content.decode()
    assert response.status_code == 403
    assert "You cannot open this page" in body
    assert "The queue is for agents and team managers." in body
    assert f'href="{reverse("fulfillment:request-mine")}">Go to my requests' in body


def test_403_for_htmx_is_a_fragment_with_the_reason(client_for, owner):
    response = client_for(owner).get(reverse("fulfillment:queue"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 403
    assert "<html" not in body and "The queue is for agents and team managers." in body


def test_unknown_api_urls_answer_json_404(client_for, owner):
    response = client_for(owner).get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_400_is_branded_and_stands_alone(client_for, owner):
    response = client_for(owner).get("/suspicious/")
    body = response.content.decode()
    assert response.status_code == 400
    assert "The request could not be understood" in body and 'href="/"' in body
    assert "odd input" not in body


def test_500_is_branded_and_needs_no_database_and_no_context(owner):
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    response = client.get("/boom/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in body and 'href="/"' in body
    assert "a bug" not in body and "Traceback" not in body


def test_the_500_template_renders_with_an_empty_context_and_no_queries(django_assert_num_queries):
    template = engines["django"].get_template("500.html")
    with django_assert_num_queries(0):
        html = template.render()  # what django.views.defaults.server_error does: no request, no processors
    assert "Something went wrong" in html


@override_settings(STEWARD_BODY_LIMITS={"/": 2 * 1024 * 1024})
def test_a_body_over_the_limit_gets_a_friendly_page_that_leads_back(client_for, owner):
    form_page = "http://testserver" + reverse("accounts:profile")
    response = client_for(owner).post(
        reverse("accounts:profile"), {"first_name": "x" * (3 * 1024 * 1024)}, HTTP_REFERER=form_page
    )
    body = response.content.decode()
    assert response.status_code == 413
    assert "at most 2 MB" in body
    assert f'href="{form_page}">Go back' in body
    assert "Traceback" not in body


@override_settings(STEWARD_BODY_LIMITS={"/": 2 * 1024 * 1024})
def test_an_api_body_over_the_limit_is_json_with_the_limit_in_mb(client_for, owner):
    response = client_for(owner).post("/api/v1/requests/", "x" * (3 * 1024 * 1024), content_type="application/json")
    assert response.status_code == 413
    assert "at most 2 MB" in response.json()["detail"]
