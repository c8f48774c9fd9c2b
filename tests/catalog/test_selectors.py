"""Who sees which services and items, and searching by words."""

import pytest
from django.http import Http404

from apps.catalog.permissions import get_item_for_user
from apps.catalog.selectors import item_queryset_for, item_search, service_queryset_for
from tests.factories import CatalogItemFactory, ServiceFactory


@pytest.fixture
def catalog(owner_team, other_team, desk_team):
    public = CatalogItemFactory(slug="public", name="Public thing")
    product_only = CatalogItemFactory(slug="product-only", audience="teams")
    product_only.audience_teams.add(owner_team)
    draft = CatalogItemFactory(slug="draft", status="draft")
    retired = CatalogItemFactory(slug="retired", service=ServiceFactory(slug="old", status="retired"))
    return {"public": public, "product_only": product_only, "draft": draft, "retired": retired}


def visible_slugs(user) -> set[str]:
    return set(item_queryset_for(user).values_list("slug", flat=True))


@pytest.mark.django_db
def test_owner_sees_public_and_own_audience_items(owner, catalog):
    assert visible_slugs(owner) == {"public", "product-only"}


@pytest.mark.django_db
def test_outsider_sees_only_public_items(outsider, catalog):
    assert visible_slugs(outsider) == {"public"}
    with pytest.raises(Http404):
        get_item_for_user(outsider, "product-only")


@pytest.mark.django_db
def test_drafts_and_retired_services_are_hidden_except_from_admins(owner, admin_user, catalog):
    for slug in ("draft", "retired"):
        with pytest.raises(Http404):
            get_item_for_user(owner, slug)
        assert get_item_for_user(admin_user, slug).slug == slug
    assert visible_slugs(admin_user) == {"public", "product-only", "draft", "retired"}


@pytest.mark.django_db
def test_user_in_two_audience_teams_sees_the_item_once(owner, other_team, catalog):
    catalog["product_only"].audience_teams.add(other_team)
    owner.memberships.create(team=other_team)
    assert list(item_queryset_for(owner).filter(slug="product-only").values_list("slug", flat=True)) == ["product-only"]


@pytest.mark.django_db
def test_retired_services_are_hidden_from_non_admins(owner, admin_user):
    ServiceFactory(slug="live")
    ServiceFactory(slug="gone", status="retired")
    assert set(service_queryset_for(owner).values_list("slug", flat=True)) == {"live"}
    assert set(service_queryset_for(admin_user).values_list("slug", flat=True)) == {"live", "gone"}


@pytest.mark.django_db
def test_search_needs_every_word_across_fields(owner):
    vpn = ServiceFactory(slug="vpn", name="Corporate VPN", tags=["network", "remote"])
    CatalogItemFactory(slug="vpn-access", name="Access", summary="Get a VPN profile", service=vpn)
    CatalogItemFactory(slug="laptop", name="New laptop", description="A fresh LAPTOP for remote work")
    CatalogItemFactory(slug="hidden", name="VPN secret", status="draft", service=vpn)

    def found(q: str) -> set[str]:
        return set(item_search(owner, q).values_list("slug", flat=True))

    assert found("vpn") == {"vpn-access"}
    assert found("corporate access") == {"vpn-access"}  # service name + item name
    assert found("network") == {"vpn-access"}  # a service tag
    assert found("remote") == {"vpn-access", "laptop"}
    assert found("remote laptop") == {"laptop"}
    assert found("vpn laptop") == set()
    assert found("") == {"vpn-access", "laptop"}
    assert found("a\x00b " * 50) == set()  # NUL and many words are harmless
