"""The queue's service, team and people filters are pickers found by name: the service search they call, the
markup that asks it (no eval: the CSP forbids it), and the slug or username they still submit (HTML = API)."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.catalog.choices import ServiceStatus
from tests.factories import CatalogItemFactory, ServiceFactory, UserFactory
from tests.fulfillment.factories import ServiceRequestFactory

QUEUE = "/requests/queue/"
SEARCH = "catalog:service-search"


@pytest.fixture
def services(desk_team):
    return {
        "laptops": ServiceFactory(slug="ld-7", name="Laptops & devices", owner_team=desk_team),
        "vpn": ServiceFactory(slug="vpn", name="VPN", owner_team=desk_team),
        "old": ServiceFactory(slug="fax", name="Fax devices", owner_team=desk_team, status=ServiceStatus.RETIRED),
    }


@pytest.mark.django_db
def test_service_search_finds_any_part_of_the_name_or_slug_and_answers_the_slug(client_for, owner, services):
    client = client_for(owner)
    body = client.get(reverse(SEARCH), {"q": "devic"}).content.decode()
    assert body.strip() == '<option value="ld-7">Laptops &amp; devices (ld-7)</option>'  # not the retired one
    assert 'value="ld-7"' in client.get(reverse(SEARCH), {"q": "LD-"}).content.decode()
    assert 'value="ld-7"' in client.get(reverse(SEARCH), {"q": "lap dev"}).content.decode()
    assert client.get(reverse(SEARCH), {"q": "lap vpn"}).content.decode().strip() == ""  # every word must match
    assert client.get(reverse(SEARCH), {"q": "  "}).content.decode().strip() == ""  # never a full list


@pytest.mark.django_db
def test_service_search_shows_retired_services_to_administrators_only(client_for, admin_user, agent, services):
    assert 'value="fax"' in client_for(admin_user).get(reverse(SEARCH), {"q": "fax"}).content.decode()
    assert 'value="fax"' not in client_for(agent).get(reverse(SEARCH), {"q": "fax"}).content.decode()


@pytest.mark.django_db
def test_service_search_is_limited_and_needs_a_login(client_for, owner, desk_team):
    for n in range(12):
        ServiceFactory(slug=f"bulk-{n}", name=f"Bulk service {n}", owner_team=desk_team)
    assert client_for(owner).get(reverse(SEARCH), {"q": "bulk"}).content.decode().count("<option") == 10
    assert Client().get(reverse(SEARCH), {"q": "bulk"}).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "url_name"),
    [("service", SEARCH), ("team", "accounts:team-search"), ("assignee", "accounts:user-search")],
)
def test_the_queues_pickers_ask_their_search_without_eval(client_for, agent, name, url_name):
    page = client_for(agent).get(QUEUE).content.decode()
    tag = page.split(f'name="{name}"')[0].rsplit("<input", 1)[1] + page.split(f'name="{name}"')[1].split(">", 1)[0]
    assert f'hx-get="{reverse(url_name)}"' in tag and f'list="id_{name}_options"' in tag
    assert "data-picker" in tag and "js:" not in tag
    assert f'<datalist id="id_{name}_options"></datalist>' in page


@pytest.mark.django_db
def test_the_service_filter_takes_the_slug_in_html_and_api(client_for, owner, agent, desk_team, services):
    laptop = CatalogItemFactory(slug="laptop", service=services["laptops"], fulfilling_team=desk_team)
    tunnel = CatalogItemFactory(slug="tunnel", service=services["vpn"], fulfilling_team=desk_team)
    mine = ServiceRequestFactory(requester=owner, item=laptop)
    other = ServiceRequestFactory(requester=owner, item=tunnel)
    client = client_for(agent)
    page = client.get(QUEUE, {"service": "ld-7"}).content.decode()
    assert mine.number in page and other.number not in page
    api = client.get("/api/v1/requests/", {"service": "ld-7"}).json()
    assert [row["number"] for row in api["results"]] == [mine.number]


@pytest.mark.django_db
def test_the_people_picker_behind_the_queue_finds_by_surname(client_for, agent):
    UserFactory(username="bob", first_name="Bob", last_name="Builder")
    body = client_for(agent).get(reverse("accounts:user-search"), {"q": "build"}).content.decode()
    assert 'value="bob"' in body and "Bob Builder" in body
