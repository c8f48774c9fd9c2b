"""The read-only catalog API: lists, details, filters, visibility and the "requests" token scope."""

import pytest
from rest_framework.test import APIClient

from apps.accounts.services import token_create
from tests.factories import CatalogItemFactory, CategoryFactory, ServiceFactory

SERVICES = "/api/v1/services/"
ITEMS = "/api/v1/catalog-items/"


def token_client(user, scopes=("requests",), access="read") -> APIClient:
    _, key = token_create(user=user, name="test", scopes=list(scopes), access=access)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def catalog(owner_team, desk_team):
    vpn = ServiceFactory(slug="vpn", name="Corporate VPN", owner_team=desk_team, criticality="high", tags=["network"])
    laptops = ServiceFactory(slug="laptops", name="Laptops", owner_team=owner_team, criticality="low")
    ServiceFactory(slug="old", name="Old", status="retired")
    access = CategoryFactory(slug="access")
    CatalogItemFactory(slug="vpn-access", name="VPN access", service=vpn, category=access)
    CatalogItemFactory(slug="laptop", name="New laptop", service=laptops)
    product_only = CatalogItemFactory(slug="product-vpn", name="Product VPN", service=vpn, audience="teams")
    product_only.audience_teams.add(owner_team)
    CatalogItemFactory(slug="draft", status="draft", service=vpn)


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["slug"] for row in response.json()["results"]]


@pytest.mark.django_db
def test_anonymous_gets_401(catalog):
    client = APIClient()
    assert client.get(SERVICES).status_code == 401
    assert client.get(ITEMS).status_code == 401
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token nope")
    assert bad.get(ITEMS).status_code == 401


@pytest.mark.django_db
def test_token_without_requests_scope_gets_403(owner, catalog):
    client = token_client(owner, scopes=["changes"])
    for url in (SERVICES, ITEMS, f"{ITEMS}vpn-access/"):
        response = client.get(url)
        assert response.status_code == 403
        assert "requests" in response.json()["detail"]


@pytest.mark.django_db
def test_service_list_and_detail(owner, admin_user, catalog):
    client = token_client(owner)
    assert slugs(client.get(SERVICES)) == ["laptops", "vpn"]
    detail = client.get(f"{SERVICES}vpn/").json()
    assert detail["owner_team"] == "service-desk" and detail["tags"] == ["network"] and detail["criticality"] == "high"
    assert client.get(f"{SERVICES}old/").status_code == 404
    assert slugs(token_client(admin_user).get(SERVICES)) == ["laptops", "old", "vpn"]


@pytest.mark.django_db
def test_service_filters(owner, owner_team, catalog):
    client = token_client(owner)
    assert slugs(client.get(SERVICES, {"criticality": "high"})) == ["vpn"]
    assert slugs(client.get(SERVICES, {"owner_team_id": owner_team.pk})) == ["laptops"]
    assert slugs(client.get(SERVICES, {"tag": "network"})) == ["vpn"]
    assert slugs(client.get(SERVICES, {"status": "operational"})) == ["laptops", "vpn"]
    for bad in ({"criticality": "huge"}, {"owner_team_id": "x"}, {"owner_team_id": "9" * 40}, {"tag": "a\x00"}):
        assert client.get(SERVICES, bad).status_code == 400


@pytest.mark.django_db
def test_item_list_respects_audience_and_drafts(owner, teammate, outsider, admin_user, catalog):
    assert slugs(token_client(owner).get(ITEMS)) == ["laptop", "product-vpn", "vpn-access"]
    assert slugs(token_client(teammate).get(ITEMS)) == ["laptop", "product-vpn", "vpn-access"]
    assert slugs(token_client(outsider).get(ITEMS)) == ["laptop", "vpn-access"]
    assert "draft" in slugs(token_client(admin_user).get(ITEMS))


@pytest.mark.django_db
def test_item_detail_includes_current_form(owner, outsider, catalog):
    body = token_client(owner).get(f"{ITEMS}product-vpn/").json()
    assert body["service"] == "vpn" and body["form_version"] == 1
    assert body["form"]["fields"][0]["name"] == "reason"
    assert token_client(outsider).get(f"{ITEMS}product-vpn/").status_code == 404
    assert token_client(owner).get(f"{ITEMS}draft/").status_code == 404


@pytest.mark.django_db
def test_item_filters_share_the_html_filterset(owner, catalog):
    client = token_client(owner)
    assert slugs(client.get(ITEMS, {"service": "vpn"})) == ["product-vpn", "vpn-access"]
    assert slugs(client.get(ITEMS, {"category": "access"})) == ["vpn-access"]
    assert slugs(client.get(ITEMS, {"q": "corporate product"})) == ["product-vpn"]


@pytest.mark.django_db
def test_session_user_needs_no_scope(client_for, owner, catalog):
    response = client_for(owner).get(ITEMS)
    assert response.status_code == 200


@pytest.mark.django_db
def test_api_is_read_only(owner, catalog):
    client = token_client(owner, access="write")
    assert client.post(ITEMS, {"slug": "x"}, format="json").status_code == 405
    assert client.delete(f"{SERVICES}vpn/").status_code == 405


@pytest.mark.django_db
def test_cursor_pagination_with_page_size(owner, catalog):
    client = token_client(owner)
    first = client.get(ITEMS, {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    second = client.get(first["next"]).json()
    assert [row["slug"] for row in second["results"]] == ["vpn-access"]


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["a.b", "%00", "x%00y", "%C2%84", "a" * 300])
def test_odd_slugs_answer_json_404(owner, catalog, slug):
    client = token_client(owner)
    for base in (SERVICES, ITEMS):
        response = client.get(f"{base}{slug}/")
        assert response.status_code == 404 and response["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_bad_cursor_answers_404(owner, catalog):
    assert token_client(owner).get(ITEMS, {"cursor": "updated_at"}).status_code == 404
