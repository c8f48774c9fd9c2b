"""The action registry, and the catalog refusing automated items whose form or config does not fit."""

import pytest
from django.core.exceptions import ValidationError

from apps.automation.registry import (
    Action,
    ActionResult,
    action_list,
    action_validate,
    check_config,
    get_action,
    register,
)
from apps.catalog.models import CatalogItem
from apps.catalog.services import item_publish_form, item_validate
from tests.factories import CatalogItemFactory

TEAM = {"name": "team", "label": "Team", "type": "team", "required": True}


def test_builtin_actions_are_registered_with_what_they_need():
    assert {a.name for a in action_list()} >= {"http", "join-team", "email"}
    assert get_action("join-team").required_fields == {"team": {"team"}}
    assert get_action("nope") is None


def test_register_refuses_a_duplicate_name():
    with pytest.raises(ValueError):

        @register
        class Again(Action):
            name = "join-team"

            def run(self, *, params, subject, config):
                return ActionResult()


def test_config_is_checked_against_the_schema():
    email = get_action("email")
    with pytest.raises(ValidationError, match='needs "subject"'):
        check_config(email, {"body": "x", "to": ["a@example.com"]})
    with pytest.raises(ValidationError, match='Unknown key "colour"'):
        check_config(email, {"subject": "s", "body": "b", "to": ["a@example.com"], "colour": 1})
    with pytest.raises(ValidationError, match="wrong type"):
        check_config(email, {"subject": "s", "body": "b", "to": "a@example.com"})
    with pytest.raises(ValidationError, match="invalid"):
        check_config(email, {"subject": "{% if %}", "body": "b", "to": ["a@example.com"]})
    assert check_config(get_action("join-team"), None) == {}


def test_unknown_action_is_refused():
    with pytest.raises(ValidationError) as info:
        action_validate(action="teleport", fields={}, config={})
    assert "Unknown automation action" in info.value.message_dict["automation_action"][0]


def test_missing_required_field_is_named():
    with pytest.raises(ValidationError) as info:
        action_validate(action="join-team", fields={"reason": {"type": "text", "required": True}}, config={})
    assert info.value.message_dict["automation_action"] == [
        'The action "join-team" needs a form field "team" of type team.'
    ]


def test_field_of_the_wrong_type_or_optional_is_refused():
    with pytest.raises(ValidationError, match="of type team"):
        action_validate(action="join-team", fields={"team": {"type": "text", "required": True}}, config={})
    with pytest.raises(ValidationError, match="must be required"):
        action_validate(action="join-team", fields={"team": {"type": "team", "required": False}}, config={})


@pytest.mark.django_db
def test_automated_item_without_the_field_cannot_be_saved(desk_team):
    item = CatalogItemFactory(slug="plain", fulfilling_team=desk_team)
    item.fulfilment_mode, item.automation_action = "automated", "join-team"

    with pytest.raises(ValidationError) as info:
        item_validate(item=item)

    assert 'needs a form field "team"' in info.value.message_dict["automation_action"][0]


@pytest.mark.django_db
def test_automated_item_with_the_field_is_valid_and_keeps_it_on_republish(join_item):
    item_validate(item=join_item)
    with pytest.raises(ValidationError, match='"team"'):
        item_publish_form(
            item=join_item, definition={"fields": [{"name": "x", "label": "X", "type": "text"}]}, actor=None
        )
    assert CatalogItem.objects.get(pk=join_item.pk).form_definition["fields"][0]["name"] == "team"


@pytest.mark.django_db
def test_http_item_needs_an_existing_endpoint(desk_team, endpoint_for):
    item = CatalogItemFactory(slug="hooked", fulfilling_team=desk_team)
    item.fulfilment_mode, item.automation_action, item.automation_config = "automated", "http", {"endpoint": "nope"}
    with pytest.raises(ValidationError) as info:
        item_validate(item=item)
    assert "No HTTP endpoint" in info.value.message_dict["automation_config"][0]

    endpoint_for("/ok")
    item.automation_config = {"endpoint": "hook"}
    item_validate(item=item)


@pytest.mark.django_db
def test_admin_shows_why_an_automated_item_cannot_be_saved(admin_user, client_for, join_item):
    from django.forms.models import modelform_factory

    form_class = modelform_factory(CatalogItem, exclude=["audience_teams"])
    data = {f: getattr(join_item, f) for f in ("name", "slug", "summary", "description", "approval_rule")}
    data.update(
        service=join_item.service_id,
        category=join_item.category_id,
        fulfilling_team=join_item.fulfilling_team_id,
        fulfilment_mode="automated",
        automation_action="join-team",
        automation_config="{}",
        delivery_target_hours="4",
        audience="everyone",
        status="published",
        form_definition='{"fields": [{"name": "reason", "label": "Reason", "type": "text"}]}',
    )
    form = form_class(data, instance=join_item)
    assert not form.is_valid()
    assert 'needs a form field "team"' in form.errors["automation_action"][0]
