"""The catalog pages for the owner, a teammate, an outsider and an administrator."""

import pytest
from django.urls import reverse

from tests.factories import CatalogItemFactory, CategoryFactory, ServiceFactory


@pytest.fixture
def catalog(owner_team, desk_team):
    access = CategoryFactory(slug="access", name="Access")
    service = ServiceFactory(slug="vpn", name="Corporate VPN", owner_team=desk_team, tags=["network"], slo_target=99.5)
    public = CatalogItemFactory(
        slug="vpn-access", name="VPN access", service=service, category=access, summary="Work from anywhere"
    )
    product_only = CatalogItemFactory(slug="product-vpn", name="Product VPN", service=service, audience="teams")
    product_only.audience_teams.add(owner_team)
    draft = CatalogItemFactory(slug="draft-vpn", name="Draft VPN", service=service, status="draft")
    return {"service": service, "public": public, "product_only": product_only, "draft": draft, "category": access}


def get(client, name, *args, **headers):
    return client.get(reverse(name, args=args), **headers)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("catalog:home", ()),
        ("catalog:search", ()),
        ("catalog:service-list", ()),
        ("catalog:service-detail", ("vpn",)),
        ("catalog:item-detail", ("vpn-access",)),
        ("catalog:category-detail", ("access",)),
    ],
)
def test_pages_need_login(client, catalog, name, args):
    response = get(client, name, *args)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_home_lists_categories_with_visible_items(client_for, owner, outsider, catalog):
    owner_page = get(client_for(owner), "catalog:home").content.decode()
    assert "VPN access" in owner_page and "Product VPN" in owner_page and "Draft VPN" not in owner_page
    assert 'action="/search/"' in owner_page
    outsider_page = get(client_for(outsider), "catalog:home").content.decode()
    assert "VPN access" in outsider_page and "Product VPN" not in outsider_page


@pytest.mark.django_db
def test_admin_sees_drafts(client_for, admin_user, catalog):
    page = get(client_for(admin_user), "catalog:home").content.decode()
    assert "Draft VPN" in page
    assert get(client_for(admin_user), "catalog:item-detail", "draft-vpn").status_code == 200


@pytest.mark.django_db
def test_item_detail_for_audience_and_404_outside(client_for, owner, teammate, outsider, catalog):
    for user in (owner, teammate):
        response = get(client_for(user), "catalog:item-detail", "product-vpn")
        assert response.status_code == 200
        page = response.content.decode()
        assert "Corporate VPN" in page and "Request this" in page
        assert reverse("fulfillment:request-create", args=["product-vpn"]) in page
    assert get(client_for(outsider), "catalog:item-detail", "product-vpn").status_code == 404
    assert get(client_for(owner), "catalog:item-detail", "draft-vpn").status_code == 404
    assert get(client_for(owner), "catalog:item-detail", "nope").status_code == 404


@pytest.mark.django_db
def test_item_detail_shows_how_it_gets_done(client_for, owner, desk_team, catalog):
    item = CatalogItemFactory(
        slug="approved", service=catalog["service"], approval_rule="team", approval_team=desk_team,
        delivery_target_hours=4,
    )  # fmt: skip
    page = get(client_for(owner), "catalog:item-detail", item.slug).content.decode()
    assert "By Service desk" in page and "4 business hours" in page and "Reason" in page


@pytest.mark.django_db
def test_service_detail_shows_owner_slo_tags_and_visible_items(client_for, owner, outsider, catalog):
    page = get(client_for(owner), "catalog:service-detail", "vpn").content.decode()
    for text in ("Service desk", "99.5%", "network", "Operational", "Medium", "VPN access", "Product VPN"):
        assert text in page
    assert "Draft VPN" not in page
    outsider_page = get(client_for(outsider), "catalog:service-detail", "vpn").content.decode()
    assert "Product VPN" not in outsider_page


@pytest.mark.django_db
def test_retired_service_is_404_except_for_admin(client_for, owner, admin_user):
    ServiceFactory(slug="old", status="retired")
    assert get(client_for(owner), "catalog:service-detail", "old").status_code == 404
    assert get(client_for(admin_user), "catalog:service-detail", "old").status_code == 200


@pytest.mark.django_db
def test_service_list_filters(client_for, owner, catalog):
    ServiceFactory(slug="crit", name="Payments", criticality="critical")
    client = client_for(owner)
    page = client.get(reverse("catalog:service-list"), {"criticality": "critical"}).content.decode()
    assert "Payments" in page and "Corporate VPN" not in page
    page = client.get(reverse("catalog:service-list"), {"tag": "network"}).content.decode()
    assert "Corporate VPN" in page and "Payments" not in page
    fragment = client.get(reverse("catalog:service-list"), headers={"HX-Request": "true"}).content.decode()
    assert 'id="service-results"' in fragment and "<html" not in fragment


@pytest.mark.django_db
def test_category_detail(client_for, owner, outsider, catalog):
    assert "VPN access" in get(client_for(outsider), "catalog:category-detail", "access").content.decode()
    assert get(client_for(owner), "catalog:category-detail", "missing").status_code == 404


@pytest.mark.django_db
def test_search_page_and_htmx_fragment(client_for, owner, outsider, catalog):
    client = client_for(owner)
    page = client.get(reverse("catalog:search"), {"q": "vpn product"})
    assert page.status_code == 200 and b"<html" in page.content and b"Product VPN" in page.content
    assert page["Vary"] and "HX-Request" in page["Vary"]
    fragment = client.get(reverse("catalog:search"), {"q": "vpn"}, headers={"HX-Request": "true"})
    body = fragment.content.decode()
    assert "<html" not in body and body.strip().startswith('<section id="item-results"')
    assert "VPN access" in body and "Draft VPN" not in body
    outsider_body = client_for(outsider).get(reverse("catalog:search"), {"q": "vpn"}).content.decode()
    assert "Product VPN" not in outsider_body


@pytest.mark.django_db
def test_search_with_hostile_input_does_not_fail(client_for, owner, catalog):
    client = client_for(owner)
    for params in ({"q": "a\x00b"}, {"q": "x " * 5000}, {"page": "zzz"}, {"category": "\x00"}):
        assert client.get(reverse("catalog:search"), params).status_code == 200


def make_items(count: int, category, service) -> None:
    for _ in range(count):
        CatalogItemFactory(category=category, service=service)


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 12])
def test_home_query_count_does_not_grow_with_items(client_for, owner, django_assert_num_queries, count):
    category, service = CategoryFactory(), ServiceFactory()
    make_items(count, category, service)
    make_items(count, CategoryFactory(), ServiceFactory())
    client = client_for(owner)
    # session, user with its permissions (the navbar's), categories, prefetched items
    with django_assert_num_queries(4):
        assert client.get(reverse("catalog:home")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 12])
def test_search_query_count_does_not_grow_with_items(client_for, owner, django_assert_num_queries, count):
    make_items(count, CategoryFactory(), ServiceFactory(name="Findme"))
    client = client_for(owner)
    # session, user, count, page of items
    with django_assert_num_queries(4):
        response = client.get(reverse("catalog:search"), {"q": "findme"}, headers={"HX-Request": "true"})
    assert response.content.decode().count("card-title") == count


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 12])
def test_service_detail_query_count_does_not_grow_with_items(client_for, owner, django_assert_num_queries, count):
    service = ServiceFactory(slug="svc")
    make_items(count, CategoryFactory(), service)
    client = client_for(owner)
    # session, user with its permissions (the navbar's), service, items
    with django_assert_num_queries(4):
        assert client.get(reverse("catalog:service-detail", args=["svc"])).status_code == 200
