"""Date fields that mean "needed by": the ``not_before_today`` option in the form engine, the builder's field
editor, the JSON import/export and a filing the server refuses while keeping what was typed."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.catalog.builder import Builder, rows_from_definition
from apps.catalog.formdefs import build_form_class, clean_answers, validate_definition
from apps.catalog.formdefs.jsonio import DefinitionImportError, definition_dumps, definition_loads
from apps.catalog.models import FormVersion
from apps.catalog.roles import CATALOG_MANAGERS
from apps.fulfillment.models import ServiceRequest
from tests.catalog.test_manage import editor_post
from tests.factories import CatalogItemFactory, UserFactory

NEEDED_BY = {"name": "needed_by", "label": "Needed by", "type": "date", "required": True, "not_before_today": True}
# The same instant is a day apart in these two zones (UTC-11 and UTC+14): "today" depends on the viewer's zone.
BEHIND, AHEAD = "Pacific/Pago_Pago", "Pacific/Kiritimati"


@pytest.fixture
def cataloguer(db):
    user = UserFactory(username="cataloguer", roles=["End users"])
    user.groups.add(Group.objects.get(name=CATALOG_MANAGERS))
    return user


def days_from_today(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


# --- the engine -------------------------------------------------------------------------------------------------


def test_the_option_is_kept_only_when_true_and_only_on_date_fields():
    definition = validate_definition(
        {"fields": [NEEDED_BY, {"name": "since", "type": "date", "not_before_today": False}]}
    )
    assert definition["fields"][0]["not_before_today"] is True
    assert "not_before_today" not in definition["fields"][1]
    with pytest.raises(ValidationError, match="must be true or false"):
        validate_definition({"fields": [{**NEEDED_BY, "not_before_today": "yes"}]})
    with pytest.raises(ValidationError, match="unknown or misplaced keys for a text field: not_before_today"):
        validate_definition({"fields": [{"name": "a", "type": "text", "not_before_today": True}]})


def test_a_day_already_past_is_refused_today_and_later_are_accepted():
    definition = validate_definition({"fields": [NEEDED_BY]})
    with pytest.raises(ValidationError) as caught:
        clean_answers(definition, {"needed_by": days_from_today(-1)})
    assert caught.value.message_dict == {"needed_by": ["Choose today or a later date."]}
    assert clean_answers(definition, {"needed_by": days_from_today(0)}) == {"needed_by": days_from_today(0)}
    assert clean_answers(definition, {"needed_by": days_from_today(30)}) == {"needed_by": days_from_today(30)}


def test_without_the_option_a_past_date_is_an_answer_like_any_other():
    definition = validate_definition({"fields": [{"name": "since", "type": "date"}]})
    assert clean_answers(definition, {"since": "2001-01-01"}) == {"since": "2001-01-01"}


def test_today_is_the_viewers_today():
    definition = validate_definition({"fields": [NEEDED_BY]})
    with timezone.override(BEHIND):
        behind_today = timezone.localdate().isoformat()
        assert clean_answers(definition, {"needed_by": behind_today}) == {"needed_by": behind_today}
    with timezone.override(AHEAD), pytest.raises(ValidationError, match="today or a later date"):
        clean_answers(definition, {"needed_by": behind_today})


def test_the_browser_gets_todays_date_as_min_at_each_render():
    form_class = build_form_class(validate_definition({"fields": [NEEDED_BY, {"name": "since", "type": "date"}]}))
    with timezone.override(BEHIND):
        html = str(form_class()["needed_by"])
        assert f'min="{timezone.localdate().isoformat()}"' in html and 'type="date"' in html
    with timezone.override(AHEAD):  # the same class, rendered where it is already the next day
        assert f'min="{timezone.localdate().isoformat()}"' in str(form_class()["needed_by"])
    assert "min=" not in str(form_class()["since"])


# --- the builder and JSON -----------------------------------------------------------------------------------


def test_the_builder_shows_the_option_for_date_fields_and_round_trips_it():
    normalised = validate_definition({"fields": [NEEDED_BY, {"name": "since", "type": "date"}]})
    rows = rows_from_definition(normalised)
    assert [row["not_before_today"] for row in rows] == [True, False]
    builder = Builder(rows, bound=True)
    assert builder.check() == normalised
    assert "not_before_today" in builder.cards[0]["shown"]


def test_the_builder_ignores_the_box_on_other_types():
    rows = [{"name": "note", "label": "Note", "type": "text", "not_before_today": True}]
    assert Builder(rows, bound=True).check() == validate_definition({"fields": [{"name": "note", "type": "text"}]})


def test_export_then_import_keeps_the_option_and_a_wrong_value_is_located():
    normalised = validate_definition({"fields": [NEEDED_BY]})
    assert '"not_before_today": true' in definition_dumps(normalised)
    assert definition_loads(definition_dumps(normalised)) == normalised
    with pytest.raises(DefinitionImportError) as caught:
        definition_loads('{"fields": [{"name": "d", "type": "date", "not_before_today": 1}]}')
    assert caught.value.problems == ["/fields/0/not_before_today: must be true or false."]


@pytest.mark.django_db
def test_the_field_editor_saves_the_box_as_a_new_version(client_for, cataloguer, item):
    client, url = client_for(cataloguer), reverse("catalog:manage-item-form", args=[item.slug])
    page = client.get(url).content.decode()
    assert 'name="fields-0-not_before_today"' in page and 'data-types="date"' in page
    fields = [{"name": "needed_by", "label": "Needed by", "type": "date", "required": True, "not_before_today": True}]
    assert client.post(url, editor_post(fields)).status_code == 302
    item.refresh_from_db()
    assert item.current_form.number == 2 and item.current_form.definition["fields"] == [{**NEEDED_BY, "help_text": ""}]
    page = client.get(url).content.decode()
    box = page.split('name="fields-0-not_before_today"')[1].split(">")[0]
    assert "checked" in box


# --- filing -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_filing_with_a_past_needed_by_is_refused_and_keeps_what_was_typed(client_for, owner, desk_team):
    CatalogItemFactory(
        slug="laptop",
        name="New laptop",
        fulfilling_team=desk_team,
        form_definition={"fields": [{"name": "model", "label": "Model", "type": "text", "required": True}, NEEDED_BY]},
    )
    client, url = client_for(owner), reverse("fulfillment:request-create", args=["laptop"])
    page = client.get(url).content.decode()
    assert f'min="{days_from_today(0)}"' in page
    yesterday = days_from_today(-1)
    response = client.post(url, {"model": "ThinkPad X1", "needed_by": yesterday, "sr-priority": "normal"})
    page = response.content.decode()
    assert response.status_code == 200 and not ServiceRequest.objects.exists()
    assert 'id="id_needed_by_error"' in page and "Choose today or a later date." in page
    assert 'value="ThinkPad X1"' in page and f'value="{yesterday}"' in page
    response = client.post(url, {"model": "ThinkPad X1", "needed_by": days_from_today(3), "sr-priority": "normal"})
    assert response.status_code == 302
    assert ServiceRequest.objects.get().answers == {"model": "ThinkPad X1", "needed_by": days_from_today(3)}
    assert FormVersion.objects.count() == 1
