"""Publishing request forms (FormVersion history) and the checks an item must pass before it is saved."""

import pytest
from django.core.exceptions import ValidationError

from apps.catalog.models import FormVersion
from apps.catalog.services import item_publish_form, item_validate
from apps.core.selectors import audit_events_for
from tests.factories import CatalogItemFactory, TeamFactory

FIRST = {"fields": [{"name": "reason", "label": "Reason", "type": "text", "required": True}]}
SECOND = {"fields": [{"name": "reason", "label": "Why?", "type": "long_text"}]}


@pytest.mark.django_db
def test_factory_item_gets_version_one():
    item = CatalogItemFactory(form_definition=FIRST)
    assert item.current_form.number == 1
    assert item.current_form.definition["fields"][0]["name"] == "reason"
    assert item.form_definition == item.current_form.definition


@pytest.mark.django_db
def test_new_version_only_when_the_definition_changes(admin_user):
    item = CatalogItemFactory(form_definition=FIRST)
    same = item_publish_form(item=item, definition=FIRST, actor=admin_user)
    assert same.number == 1 and FormVersion.objects.filter(item=item).count() == 1

    second = item_publish_form(item=item, definition=SECOND, actor=admin_user)
    item.refresh_from_db()
    assert second.number == 2 and item.current_form == second
    assert second.created_by == admin_user
    assert item.form_definition == second.definition
    assert [event.verb for event in audit_events_for(item)] == ["form_published", "form_published"]


@pytest.mark.django_db
def test_old_versions_stay_untouched(admin_user):
    item = CatalogItemFactory(form_definition=FIRST)
    first = item.current_form
    frozen = dict(first.definition)
    item_publish_form(item=item, definition=SECOND, actor=admin_user)
    item_publish_form(item=item, definition=FIRST, actor=admin_user)  # back to the old shape: a new version
    first.refresh_from_db()
    assert first.definition == frozen
    assert list(FormVersion.objects.filter(item=item).values_list("number", flat=True)) == [3, 2, 1]


@pytest.mark.django_db
def test_publishing_a_broken_definition_is_refused_with_the_reason(admin_user):
    item = CatalogItemFactory(form_definition=FIRST)
    with pytest.raises(ValidationError) as caught:
        item_publish_form(item=item, definition={"fields": [{"name": "x", "type": "colour"}]}, actor=admin_user)
    assert "unknown type" in caught.value.message_dict["form_definition"][0]
    assert FormVersion.objects.filter(item=item).count() == 1


@pytest.mark.django_db
def test_item_validation_checks_approval_and_automation_consistency():
    item = CatalogItemFactory()
    item.approval_rule, item.fulfilment_mode, item.automation_action = "team", "automated", " "
    with pytest.raises(ValidationError) as caught:
        item_validate(item=item)
    assert set(caught.value.message_dict) == {"approval_team", "automation_action"}

    item.approval_team, item.automation_action = TeamFactory(), "join-team"
    item.form_definition = {"fields": [{"name": "team", "label": "Team", "type": "team", "required": True}]}
    item_validate(item=item)


@pytest.mark.django_db
def test_item_clean_refuses_a_broken_form_with_the_reason():
    item = CatalogItemFactory()
    item.form_definition = {"fields": [{"name": "a", "type": "choice", "choices": []}]}
    with pytest.raises(ValidationError) as caught:
        item.full_clean()
    assert "non-empty" in caught.value.message_dict["form_definition"][0]
