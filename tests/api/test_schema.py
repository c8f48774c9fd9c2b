"""The OpenAPI schema states what the API does: nullable fields, page_size and id bounds, 413/414 everywhere."""

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from apps.accounts.services import token_create
from tests.fulfillment.factories import ServiceRequestFactory

# Component name -> the model its properties come from (read-only representations).
MODEL_COMPONENTS = {
    "ServiceRequest": "fulfillment.ServiceRequest",
    "CatalogItem": "catalog.CatalogItem",
    "ApiToken": "accounts.ApiToken",
    "AutomationRun": "automation.AutomationRun",
}


@pytest.fixture
def schema(client_for, owner):
    return client_for(owner).get("/api/v1/schema/?format=json").json()


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {token_create(user=user, name='t', scopes=['requests'], access='read')[1]}"
    )
    return client


@pytest.mark.django_db
def test_assignee_and_requested_for_are_nullable(schema):
    properties = schema["components"]["schemas"]["ServiceRequest"]["properties"]
    assert properties["assignee"]["nullable"] is True
    assert properties["requested_for"]["nullable"] is True


@pytest.mark.django_db
@pytest.mark.parametrize(("component", "model_label"), MODEL_COMPONENTS.items())
def test_every_nullable_model_field_is_declared_nullable(schema, component, model_label):
    model = apps.get_model(model_label)
    properties = schema["components"]["schemas"][component]["properties"]
    nullable_columns = {field.name for field in model._meta.concrete_fields if field.null}
    for name in nullable_columns & set(properties):
        assert properties[name].get("nullable") is True, f"{component}.{name} is null=True in the model"


@pytest.mark.django_db
def test_page_size_and_id_filters_declare_their_bounds(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/requests/"]["get"]["parameters"]}
    assert parameters["page_size"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 200}
    assert "400" in parameters["page_size"]["description"]
    for name in ("team_id", "assignee_id"):
        assert parameters[name]["schema"]["minimum"] == 1 and parameters[name]["schema"]["type"] == "integer"
    services = {p["name"]: p for p in schema["paths"]["/api/v1/services/"]["get"]["parameters"]}
    assert services["owner_team_id"]["schema"]["minimum"] == 1


@pytest.mark.django_db
def test_every_operation_documents_414_and_body_operations_413(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            assert {"400", "414", "429"} <= set(operation["responses"]), (method, path)
            if method in ("post", "put", "patch"):
                assert "413" in operation["responses"], (method, path)


@pytest.mark.django_db
def test_if_match_is_documented_as_optional_with_last_write_wins(schema):
    assert "last write wins" in schema["info"]["description"]
    patch = schema["paths"]["/api/v1/requests/{number}/"]["patch"]
    assert "last write wins" in patch["description"]
    if_match = next(p for p in patch["parameters"] if p["name"] == "If-Match")
    assert not if_match.get("required", False)


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["0", "201", "-1", "abc", "1.5", "10000000000000000000000"])
def test_bad_page_size_is_400(owner, value):
    response = token_client(owner).get(f"/api/v1/requests/?page_size={value}")
    assert response.status_code == 400
    assert list(response.json()) == ["page_size"]


@pytest.mark.django_db
@pytest.mark.parametrize(("value", "rows"), [("1", 1), ("200", 3), ("", 3), (" 2 ", 2)])
def test_valid_or_empty_page_size_pages(owner, item, value, rows):
    for _ in range(3):
        ServiceRequestFactory(requester=owner, item=item)
    response = token_client(owner).get(f"/api/v1/requests/?page_size={value}")
    assert response.status_code == 200
    assert len(response.json()["results"]) == rows


@pytest.mark.django_db
def test_comment_pages_validate_page_size_too(owner, item):
    sr = ServiceRequestFactory(requester=owner, item=item)
    assert token_client(owner).get(f"/api/v1/requests/{sr.number}/comments/?page_size=0").status_code == 400


def test_the_schema_builds_without_a_warning(tmp_path):
    """A warning from drf-spectacular means a wrong schema (e.g. two serializers of one name share a component)."""
    from django.core.management import call_command

    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
