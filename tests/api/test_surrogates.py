"""A lone surrogate (\\ud800) in any text input answers 400 with a message at its field, never a 500.

JSON carries one as the escape ``"\\ud800"``; a query string can carry one when the request declares a charset
such as UTF-7 (``+2AA-`` is U+D800), since Django decodes it in that charset.
"""

import json

import pytest
from django import forms
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts.models import ApiToken
from apps.core.surrogates import MESSAGE, SurrogateSafeFormMixin, has_lone_surrogate, surrogate_errors
from apps.fulfillment import services
from apps.fulfillment.exceptions import InvalidAnswers
from apps.fulfillment.models import Comment, ServiceRequest
from tests.factories import CatalogItemFactory
from tests.fulfillment.factories import ServiceRequestFactory

SURROGATE = "\ud800"
UTF7_SURROGATE = "%2B2AA-"  # "+2AA-" percent-encoded: U+D800 once decoded as UTF-7
UTF7_FORM = "application/x-www-form-urlencoded; charset=utf-7"


def token_client(user, scopes=("requests",)) -> APIClient:
    from apps.accounts.services import token_create

    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {token_create(user=user, name='t', scopes=list(scopes), access='write')[1]}"
    )
    return client


def raw_json(payload: dict) -> bytes:
    """``payload`` as JSON with its surrogates escaped, as a client would send it (json.dumps keeps ASCII)."""
    return json.dumps(payload).encode("ascii")


@pytest.fixture
def vpn(desk_team):
    return CatalogItemFactory(
        slug="vpn",
        fulfilling_team=desk_team,
        form_definition={"fields": [{"name": "reason", "label": "Reason", "type": "text", "required": True}]},
    )


# --- the check itself ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("fine", False),
        ("\U0001f600", False),  # a real astral character: a pair in UTF-16, one code point here
        (SURROGATE, True),
        ("\udfff tail", True),
        ({"a": ["b", {"c": SURROGATE}]}, True),
        ({SURROGATE: "key"}, True),
        ([1, 2.5, None, True], False),
    ],
)
def test_has_lone_surrogate(value, expected):
    assert has_lone_surrogate(value) is expected


def test_surrogate_errors_name_the_field_but_never_echo_a_spoiled_name():
    assert surrogate_errors({"ok": "x", "bad": ["y", SURROGATE]}) == {"bad": [MESSAGE]}
    assert surrogate_errors({f"x{SURROGATE}": "y"}) == {"non_field_errors": [MESSAGE]}
    assert surrogate_errors([SURROGATE]) == {"non_field_errors": [MESSAGE]}
    assert surrogate_errors({"ok": 1}) == {}


class _Form(SurrogateSafeFormMixin, forms.Form):
    name = forms.CharField()
    note = forms.CharField(required=False)

    def clean_name(self):
        assert not has_lone_surrogate(self.cleaned_data["name"])  # never reached with one
        return self.cleaned_data["name"]


def test_form_mixin_reports_the_field_and_drops_the_value():
    form = _Form(data={"name": SURROGATE, "note": "kept"})
    assert not form.is_valid()
    assert form.errors == {"name": [MESSAGE]}
    assert form.cleaned_data == {"note": "kept"}
    assert "name" not in form.data  # the re-rendered form cannot fail to encode it
    assert _Form(data={"name": "ok"}).is_valid()


# --- API: JSON bodies --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_request_create_with_a_surrogate_answer_is_400_not_500(owner, vpn):
    client = token_client(owner)
    for answers in ({"reason": SURROGATE}, {SURROGATE: "x"}, {"reason": ["a", {"b": SURROGATE}]}):
        response = client.post(
            "/api/v1/requests/", raw_json({"item": "vpn", "answers": answers}), content_type="application/json"
        )
        assert response.status_code == 400, response.content
        assert response.json() == {"answers": [MESSAGE]}
    assert not ServiceRequest.objects.exists()


@pytest.mark.django_db
def test_a_surrogate_in_a_top_level_key_is_a_non_field_error(owner, vpn):
    body = raw_json({"item": "vpn", "answers": {"reason": "fine"}, SURROGATE: 1})
    response = token_client(owner).post("/api/v1/requests/", body, content_type="application/json")
    assert response.status_code == 400 and response.json() == {"non_field_errors": [MESSAGE]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "payload", "field"),
    [
        ("patch", "/api/v1/requests/{number}/", {"assignee": SURROGATE}, "assignee"),
        ("post", "/api/v1/requests/{number}/comments/", {"body": SURROGATE}, "body"),
        ("post", "/api/v1/requests/{number}/transition/", {"to": "cancelled", "comment": SURROGATE}, "comment"),
        ("post", "/api/v1/tokens/", {"name": SURROGATE, "scopes": ["requests"]}, "name"),
        ("post", "/api/v1/auth/token/", {"username": SURROGATE, "password": "x"}, "username"),
    ],
)
def test_every_json_write_refuses_a_surrogate(agent, item, method, path, payload, field):
    sr = ServiceRequestFactory(requester=agent, item=item)
    client = token_client(agent)
    before = (sr.version, Comment.objects.count(), ApiToken.objects.count())
    response = getattr(client, method)(
        path.format(number=sr.number), raw_json(payload), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert response.json() == {field: [MESSAGE]}
    sr.refresh_from_db()
    assert (sr.version, Comment.objects.count(), ApiToken.objects.count()) == before


@pytest.mark.django_db
def test_the_api_takes_json_only(owner, vpn):
    body = f"item=vpn&answers={UTF7_SURROGATE}"
    response = token_client(owner).post("/api/v1/requests/", body, content_type=UTF7_FORM)
    assert response.status_code == 415
    assert not ServiceRequest.objects.exists()


# --- query strings: API filters and HTML pages ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("param", ["q", "team", "cursor", "page_size", "ordering"])
def test_api_query_parameter_with_a_surrogate_is_400(owner, param):
    # A query string is decoded in the charset the request's Content-Type names, UTF-7 included.
    response = token_client(owner).get(
        f"/api/v1/requests/?{param}={UTF7_SURROGATE}", content_type="text/plain; charset=utf-7"
    )
    assert response.status_code == 400
    assert response.json() == {param: [MESSAGE]}


@pytest.mark.django_db
def test_html_queue_filter_with_a_surrogate_is_400(client_for, agent):
    response = client_for(agent).get(
        f"{reverse('fulfillment:queue')}?q={UTF7_SURROGATE}", CONTENT_TYPE="text/plain; charset=utf-7"
    )
    assert response.status_code == 400
    assert MESSAGE in response.content.decode()


# --- HTML forms and services --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_html_form_body_in_another_charset_is_400(client_for, owner, vpn):
    # Django 5.2 refuses urlencoded bodies that are not UTF-8 and decodes multipart parts as UTF-8 (with
    # replacement), so no HTML form body can hold a surrogate: this pins that guarantee.
    body = f"reason={UTF7_SURROGATE}&sr-priority=normal".encode()
    response = client_for(owner).post(reverse("fulfillment:request-create", args=["vpn"]), body, content_type=UTF7_FORM)
    assert response.status_code == 400
    assert not ServiceRequest.objects.exists()


@pytest.mark.django_db
def test_request_create_service_refuses_a_surrogate_at_its_field(owner, vpn):
    # Callers other than the API (imports, other apps) reach the request form directly: the error names the field.
    with pytest.raises(InvalidAnswers) as caught:
        services.request_create(item=vpn, requester=owner, answers={"reason": f"a{SURROGATE}b"})
    assert caught.value.message_dict == {"reason": [MESSAGE]}
    assert not ServiceRequest.objects.exists()
