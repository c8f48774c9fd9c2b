"""The catalog builder: the Catalog managers role, its services (items, services, form versions) and its
pages, for an end user, an agent, a manager (403), a catalog manager and an administrator."""

import json

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.catalog.exceptions import StaleForm
from apps.catalog.models import CatalogItem, FormVersion, Service
from apps.catalog.roles import CATALOG_MANAGERS
from apps.catalog.selectors import form_versions_for
from apps.catalog.services import ItemData, ServiceData, item_create, item_publish_form, item_update, service_create
from apps.core.models import AuditEvent
from tests.factories import CatalogItemFactory, CategoryFactory, ServiceFactory, UserFactory
from tests.fulfillment.factories import ServiceRequestFactory

JOIN = {"fields": [{"name": "team", "label": "Team", "type": "team", "required": True}]}


@pytest.fixture
def catalog_manager(db):
    return UserFactory(username="cataloguer", roles=["End users"])


@pytest.fixture
def cataloguer(catalog_manager):
    catalog_manager.groups.add(Group.objects.get(name=CATALOG_MANAGERS))
    return catalog_manager


@pytest.fixture
def shelf(desk_team):
    return {
        "service": ServiceFactory(slug="laptops", name="Laptops", owner_team=desk_team),
        "category": CategoryFactory(slug="hardware", name="Hardware"),
    }


def item_data(shelf, desk_team, **changes) -> ItemData:
    values = {
        "name": "New laptop",
        "service": shelf["service"],
        "category": shelf["category"],
        "fulfilling_team": desk_team,
        "status": "published",
    }
    return ItemData(**{**values, **changes})


def item_post(shelf, **changes) -> dict:
    data = {
        "name": "New laptop",
        "summary": "A laptop for work",
        "category": "hardware",
        "service": "laptops",
        "fulfilling_team": "service-desk",
        "approval_rule": "none",
        "audience": "everyone",
        "delivery_target_hours": "8",
        "status": "published",
        "fulfilment_mode": "manual",
    }
    return {**data, **changes}


def editor_post(fields: list[dict], op="save", base_version="1") -> dict:
    data = {"op": op, "base_version": base_version, "field_count": str(len(fields))}
    for index, field in enumerate(fields):
        for key, value in field.items():
            if value is True:
                data[f"fields-{index}-{key}"] = "on"
            elif value is not False:
                data[f"fields-{index}-{key}"] = str(value)
    return data


# --- The role -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_catalog_managers_group_holds_every_catalog_permission(cataloguer, owner, admin_user):
    group = Group.objects.get(name=CATALOG_MANAGERS)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"manage_catalog", "add_catalogitem", "change_service", "view_formversion"} <= codenames
    assert cataloguer.has_perm("catalog.manage_catalog") and admin_user.has_perm("catalog.manage_catalog")
    assert not owner.has_perm("catalog.manage_catalog")
    administrators = Group.objects.get(name="Administrators")
    assert administrators.permissions.filter(codename="manage_catalog").exists()


# --- Services ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_item_create_publishes_the_first_version_with_the_fields_the_action_needs(shelf, desk_team, cataloguer):
    item = item_create(
        data=item_data(shelf, desk_team, fulfilment_mode="automated", automation_action="join-team"), actor=cataloguer
    )
    assert item.slug == "new-laptop" and item.current_form.number == 1
    assert item.current_form.definition == {
        "fields": [{"name": "team", "label": "Team", "type": "team", "required": True, "help_text": ""}]
    }
    assert AuditEvent.objects.filter(verb="created", actor=cataloguer).exists()
    assert item_create(data=item_data(shelf, desk_team), actor=cataloguer).slug == "new-laptop-2"


@pytest.mark.django_db
def test_an_automated_item_whose_form_lacks_a_field_says_which(shelf, desk_team, cataloguer):
    item = item_create(data=item_data(shelf, desk_team), actor=cataloguer)
    with pytest.raises(ValidationError) as caught:
        item_update(
            item=item,
            data=item_data(shelf, desk_team, fulfilment_mode="automated", automation_action="join-team"),
            actor=cataloguer,
        )
    assert caught.value.message_dict["automation_action"] == [
        'The action "join-team" needs a form field "team" of type team.'
    ]
    item.refresh_from_db()
    assert item.fulfilment_mode == "manual"


@pytest.mark.django_db
def test_item_update_clears_what_the_mode_and_rule_no_longer_use(shelf, desk_team, cataloguer):
    item = CatalogItemFactory(slug="join", service=shelf["service"], category=shelf["category"], form_definition=JOIN)
    data = item_data(shelf, desk_team, fulfilment_mode="automated", automation_action="join-team")
    item = item_update(item=item, data=data, actor=cataloguer)
    assert item.automation_action == "join-team"
    item = item_update(item=item, data=item_data(shelf, desk_team, approval_team=desk_team), actor=cataloguer)
    item.refresh_from_db()
    assert (item.automation_action, item.approval_team) == ("", None)
    with pytest.raises(ValidationError) as caught:
        item_update(item=item, data=item_data(shelf, desk_team, audience="teams"), actor=cataloguer)
    assert "audience_teams" in caught.value.message_dict


@pytest.mark.django_db
def test_publishing_over_a_newer_version_is_refused(item, cataloguer):
    form = {"fields": [{"name": "why", "type": "text"}]}
    with pytest.raises(StaleForm) as caught:
        item_publish_form(item=item, definition=form, actor=cataloguer, expected_version=0)
    assert caught.value.current == 1
    assert item_publish_form(item=item, definition=form, actor=cataloguer, expected_version=1).number == 2


@pytest.mark.django_db
def test_service_create_and_name_clash(desk_team, cataloguer):
    data = ServiceData(name="Printing", owner_team=desk_team, tags=["office"])
    service = service_create(data=data, actor=cataloguer)
    assert (service.slug, service.tags) == ("printing", ["office"])
    with pytest.raises(ValidationError) as caught:
        service_create(data=data, actor=cataloguer)
    assert "name" in caught.value.message_dict


# --- Pages: who may open them -------------------------------------------------------------------------------


MANAGE_PAGES = [
    ("catalog:manage-item-list", ()),
    ("catalog:manage-item-create", ()),
    ("catalog:manage-item-edit", ("access-request",)),
    ("catalog:manage-item-form", ("access-request",)),
    ("catalog:manage-item-form-export", ("access-request",)),
    ("catalog:manage-service-list", ()),
    ("catalog:manage-service-create", ()),
    ("catalog:manage-automation-config", ()),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "args"), MANAGE_PAGES)
def test_only_catalog_managers_and_administrators_open_the_builder(
    client_for, client, item, owner, teammate, outsider, agent, manager, cataloguer, admin_user, name, args
):
    url = reverse(name, args=args)
    assert "/accounts/login/" in client.get(url)["Location"]
    for user in (owner, teammate, outsider, agent, manager):
        assert client_for(user).get(url).status_code == 403
    for user in (cataloguer, admin_user):
        assert client_for(user).get(url).status_code == 200


@pytest.mark.django_db
def test_an_unknown_item_is_404_for_a_manager_and_403_for_others(client_for, cataloguer, owner):
    url = reverse("catalog:manage-item-form", args=["nope"])
    assert client_for(cataloguer).get(url).status_code == 404
    assert client_for(owner).get(url).status_code == 403
    assert client_for(owner).post(url, editor_post([])).status_code == 403


@pytest.mark.django_db
def test_the_navbar_links_the_builder_for_catalog_managers_only(client_for, cataloguer, owner):
    link = reverse("catalog:manage-item-list")
    assert link in client_for(cataloguer).get(reverse("catalog:home")).content.decode()
    assert link not in client_for(owner).get(reverse("catalog:home")).content.decode()


# --- Pages: lists -----------------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _add_rows(n: int, start: int, team) -> None:
    for number in range(start, start + n):
        service = ServiceFactory(slug=f"svc-{number}", owner_team=team)
        CatalogItemFactory(slug=f"item-{number}", service=service, fulfilling_team=team)


# The session, the user with their permissions, the page's count and its rows: nothing per row.
PINNED = {"catalog:manage-item-list": 4, "catalog:manage-service-list": 4}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PINNED))
def test_list_pages_cost_the_same_queries_for_3_or_30_rows(client_for, cataloguer, desk_team, name):
    client, url = client_for(cataloguer), reverse(name)
    _add_rows(3, 0, desk_team)
    assert _queries(client, url) == PINNED[name]
    _add_rows(27, 3, desk_team)
    assert _queries(client, url) == PINNED[name]


@pytest.mark.django_db
def test_item_list_search_answers_the_fragment_to_htmx(client_for, cataloguer, item):
    CatalogItemFactory(slug="printer", name="Printer toner")
    response = client_for(cataloguer).get(reverse("catalog:manage-item-list"), {"q": "toner"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "<html" not in page and 'id="manage-item-results"' in page
    assert "Printer toner" in page and "Access request" not in page


# --- Pages: services and item settings ---------------------------------------------------------------------


@pytest.mark.django_db
def test_service_pages_create_and_edit(client_for, cataloguer, desk_team):
    client = client_for(cataloguer)
    data = {"name": "Printing", "owner_team": "service-desk", "criticality": "high", "status": "operational"}
    response = client.post(reverse("catalog:manage-service-create"), {**data, "slo_target": "99.5", "tags": "a, b"})
    assert response.status_code == 302
    service = Service.objects.get(slug="printing")
    assert (service.criticality, service.tags) == ("high", ["a", "b"])
    response = client.post(reverse("catalog:manage-service-edit", args=["printing"]), {**data, "slo_target": "101"})
    assert response.status_code == 200 and "Ensure this value is less than or equal to 100" in response.content.decode()
    assert 'value="Printing"' in response.content.decode()  # what was typed is kept


@pytest.mark.django_db
def test_creating_an_item_leads_to_its_form_editor(client_for, cataloguer, shelf):
    response = client_for(cataloguer).post(reverse("catalog:manage-item-create"), item_post(shelf))
    item = CatalogItem.objects.get(slug="new-laptop")
    assert response["Location"] == reverse("catalog:manage-item-form", args=["new-laptop"])
    assert item.summary == "A laptop for work" and item.current_form.number == 1


@pytest.mark.django_db
def test_automation_settings_are_a_form_made_from_what_the_action_declares(client_for, cataloguer, shelf):
    client = client_for(cataloguer)
    page = client.get(reverse("catalog:manage-automation-config"), {"automation_action": "email"}).content.decode()
    for name in ("config-subject", "config-body", "config-to", "config-to_user"):
        assert f'name="{name}"' in page
    data = item_post(shelf, fulfilment_mode="automated", automation_action="email", **{"config-subject": "Hi"})
    page = client.post(reverse("catalog:manage-item-create"), data).content.decode()
    assert "This field is required." in page and not CatalogItem.objects.filter(slug="new-laptop").exists()
    data.update({"config-body": "Hello {{ user }}", "config-to": "a@example.com\nb@example.com"})
    assert client.post(reverse("catalog:manage-item-create"), data).status_code == 302
    item = CatalogItem.objects.get(slug="new-laptop")
    assert item.automation_config == {
        "subject": "Hi",
        "body": "Hello {{ user }}",
        "to": ["a@example.com", "b@example.com"],
    }
    page = client.get(reverse("catalog:manage-item-edit", args=["new-laptop"])).content.decode()
    assert "a@example.com\nb@example.com</textarea>" in page


@pytest.mark.django_db
def test_switching_an_item_to_an_action_its_form_cannot_feed_names_the_field(client_for, cataloguer, shelf):
    CatalogItemFactory(slug="new-laptop", service=shelf["service"], category=shelf["category"])
    data = item_post(shelf, fulfilment_mode="automated", automation_action="join-team")
    response = client_for(cataloguer).post(reverse("catalog:manage-item-edit", args=["new-laptop"]), data)
    assert response.status_code == 200
    assert "needs a form field &quot;team&quot; of type team" in response.content.decode()


# --- Pages: the request-form editor --------------------------------------------------------------------------


@pytest.mark.django_db
def test_saving_a_changed_form_creates_a_version_and_an_unchanged_one_does_not(client_for, cataloguer, item):
    client, url = client_for(cataloguer), reverse("catalog:manage-item-form", args=[item.slug])
    same = [{"name": "reason", "label": "Reason", "type": "text", "required": True}]
    assert client.post(url, editor_post(same)).status_code == 302
    assert item.form_versions.count() == 1
    changed = [*same, {"label": "Size", "type": "choice", "choices": "s | Small\nl | Large"}]
    assert client.post(url, editor_post(changed)).status_code == 302
    item.refresh_from_db()
    assert item.current_form.number == 2
    assert item.current_form.definition["fields"][1]["choices"] == [
        {"value": "s", "label": "Small"},
        {"value": "l", "label": "Large"},
    ]


@pytest.mark.django_db
def test_a_refused_form_shows_each_problem_at_its_field_and_keeps_what_was_typed(client_for, cataloguer, item):
    fields = [{"name": "size", "label": "Size", "type": "number", "min": "9", "max": "1"}]
    response = client_for(cataloguer).post(reverse("catalog:manage-item-form", args=[item.slug]), editor_post(fields))
    page = response.content.decode()
    assert response.status_code == 200 and "Enter a valid JSON" not in page
    assert 'href="#field-card-0">Field 1 “Size” › Min</a>: Min (9) is greater than max (1).' in page
    assert 'id="id_fields-0-min_error"' in page and 'value="9"' in page
    assert FormVersion.objects.filter(item=item).count() == 1


@pytest.mark.django_db
def test_a_stale_save_answers_409_and_keeps_the_fields(client_for, cataloguer, item):
    item_publish_form(item=item, definition={"fields": [{"name": "other", "type": "text"}]}, actor=None)
    fields = [{"name": "mine", "label": "Mine", "type": "text"}]
    response = client_for(cataloguer).post(reverse("catalog:manage-item-form", args=[item.slug]), editor_post(fields))
    assert response.status_code == 409
    assert "Version 2 of this form was published by someone else" in response.content.decode()
    assert 'value="Mine"' in response.content.decode()


@pytest.mark.django_db
def test_editor_buttons_answer_the_editor_fragment_to_htmx(client_for, cataloguer, item):
    fields = [{"name": "a", "label": "A", "type": "text"}, {"name": "b", "label": "B", "type": "text"}]
    response = client_for(cataloguer).post(
        reverse("catalog:manage-item-form", args=[item.slug]), editor_post(fields, op="up-1"), HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert "<html" not in page and page.strip().startswith('<div id="builder-body">')
    assert page.index('value="b"') < page.index('value="a"') and response["HX-Trigger"] == "builder-changed"
    assert FormVersion.objects.filter(item=item).count() == 1  # nothing saved


@pytest.mark.django_db
def test_the_preview_renders_the_requesters_form_with_its_conditions(client_for, cataloguer, item):
    fields = [
        {"name": "admin", "label": "Admin rights?", "type": "boolean"},
        {"name": "why", "label": "Why?", "type": "long_text", "show_if_field": "admin", "show_if_equals": "true"},
    ]
    url = reverse("catalog:manage-item-form-preview", args=[item.slug])
    page = client_for(cataloguer).post(url, editor_post(fields), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="preview-form"' in page and 'id="preview_why"' in page
    assert "data-show-if='{&quot;field&quot;: &quot;admin&quot;, &quot;equals&quot;: true}'" in page
    fields[1]["show_if_field"] = "nope"
    page = client_for(cataloguer).post(url, editor_post(fields)).content.decode()
    assert "Field 2 “Why?” › Show only if" in page and "is not the name of an earlier field" in page


@pytest.mark.django_db
def test_the_versions_table_counts_the_requests_filed_with_each(client_for, cataloguer, item, owner):
    first = item.current_form
    ServiceRequestFactory.create_batch(2, item=item, requester=owner, form_version=first)
    item_publish_form(item=item, definition={"fields": [{"name": "other", "type": "text"}]}, actor=cataloguer)
    ServiceRequestFactory(item=item, requester=owner, form_version=item.current_form)
    versions = {version.number: version.request_count for version in form_versions_for(item)}
    assert versions == {2: 1, 1: 2}
    page = client_for(cataloguer).get(reverse("catalog:manage-item-form", args=[item.slug])).content.decode()
    assert 'id="form-versions"' in page and "current" in page


@pytest.mark.django_db
def test_export_and_import(client_for, cataloguer, item):
    client = client_for(cataloguer)
    response = client.get(reverse("catalog:manage-item-form-export", args=[item.slug]))
    assert response["Content-Disposition"] == 'attachment; filename="access-request-form-v1.json"'
    assert json.loads(response.content) == item.current_form.definition
    assert client.get(reverse("catalog:manage-item-form-export", args=[item.slug]), {"version": "7"}).status_code == 404
    url = reverse("catalog:manage-item-form-import", args=[item.slug])
    page = client.post(url, {"text": '{"fields": [\n {"name": "x", "type": "text",}\n]}'}).content.decode()
    assert "Line 2, column 31: Expecting property name enclosed in double quotes." in page
    page = client.post(url, {"text": '{"fields": [{"name": "x", "type": "choice", "choices": []}]}'}).content.decode()
    assert "/fields/0/choices: choices must be a non-empty list." in page
    page = client.post(url, {"text": '{"fields": [{"name": "imported", "type": "date"}]}'}).content.decode()
    assert 'value="imported"' in page and "Imported 1 fields" in page
    assert FormVersion.objects.filter(item=item).count() == 1  # the editor saves it, not the import
