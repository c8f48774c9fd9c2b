"""Administrators edit items and their request forms in the Django admin."""

import json

import pytest
from django.urls import reverse

from apps.catalog.models import CatalogItem, FormVersion
from tests.factories import CatalogItemFactory


def item_post_data(item: CatalogItem, definition: object) -> dict:
    return {
        "name": item.name,
        "slug": item.slug,
        "service": item.service_id,
        "category": item.category_id,
        "status": item.status,
        "summary": "",
        "description": "",
        "fulfilling_team": item.fulfilling_team_id,
        "fulfilment_mode": "manual",
        "automation_action": "",
        "delivery_target_hours": "8",
        "approval_rule": "none",
        "audience": "everyone",
        "form_definition": json.dumps(definition) if not isinstance(definition, str) else definition,
        "form_versions-TOTAL_FORMS": "0",
        "form_versions-INITIAL_FORMS": "0",
        "form_versions-MIN_NUM_FORMS": "0",
        "form_versions-MAX_NUM_FORMS": "1000",
    }


@pytest.mark.django_db
def test_admin_change_page_renders_with_versions(client_for, admin_user, item):
    response = client_for(admin_user).get(reverse("admin:catalog_catalogitem_change", args=[item.pk]))
    assert response.status_code == 200
    assert b"form_definition" in response.content and b"v1" in response.content


@pytest.mark.django_db
def test_saving_a_changed_form_creates_a_version(client_for, admin_user, item):
    definition = {"fields": [{"name": "when", "label": "When", "type": "date", "required": True}]}
    url = reverse("admin:catalog_catalogitem_change", args=[item.pk])
    response = client_for(admin_user).post(url, item_post_data(item, definition))
    assert response.status_code == 302, response.content.decode()[-3000:]
    item.refresh_from_db()
    assert item.current_form.number == 2 and item.current_form.created_by == admin_user
    assert item.form_definition["fields"][0]["name"] == "when"


@pytest.mark.django_db
def test_saving_the_same_form_creates_no_version(client_for, admin_user, item):
    url = reverse("admin:catalog_catalogitem_change", args=[item.pk])
    response = client_for(admin_user).post(url, item_post_data(item, item.form_definition))
    assert response.status_code == 302
    assert FormVersion.objects.filter(item=item).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("definition", "reason"),
    [
        ({"fields": [{"name": "x", "type": "colour"}]}, "unknown type"),
        ("{not json", "Enter a valid JSON"),
        ({"fields": [{"name": "x", "type": "text", "regex": "(a)\\1"}]}, "backreferences and lookaround"),
    ],
)
def test_broken_form_is_refused_next_to_the_field(client_for, admin_user, item, definition, reason):
    url = reverse("admin:catalog_catalogitem_change", args=[item.pk])
    response = client_for(admin_user).post(url, item_post_data(item, definition))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert reason in " ".join(errors["form_definition"])
    assert FormVersion.objects.filter(item=item).count() == 1


@pytest.mark.django_db
def test_team_approval_without_team_is_refused(client_for, admin_user, item):
    data = item_post_data(item, item.form_definition) | {"approval_rule": "team"}
    response = client_for(admin_user).post(reverse("admin:catalog_catalogitem_change", args=[item.pk]), data)
    assert response.status_code == 200
    assert "approval_team" in response.context["adminform"].form.errors


@pytest.mark.django_db
def test_adding_an_item_creates_version_one(client_for, admin_user, item):
    template = CatalogItemFactory.build(service=item.service, category=item.category, slug="new-one", name="New")
    template.fulfilling_team = item.fulfilling_team
    definition = {"fields": [{"name": "reason", "type": "text"}]}
    data = item_post_data(template, definition)
    response = client_for(admin_user).post(reverse("admin:catalog_catalogitem_add"), data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    created = CatalogItem.objects.get(slug="new-one")
    assert created.current_form.number == 1


@pytest.mark.django_db
def test_form_versions_are_read_only(client_for, admin_user, item):
    client = client_for(admin_user)
    assert client.get(reverse("admin:catalog_formversion_add")).status_code == 403
    version_url = reverse("admin:catalog_formversion_change", args=[item.current_form.pk])
    assert client.get(version_url).status_code == 200
    assert client.post(version_url, {}).status_code == 403
