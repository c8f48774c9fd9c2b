"""Unit tests of the form-definition engine: each field type, conditional fields, refused definitions."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.template import engines

from apps.catalog.formdefs import build_form_class, clean_answers, display_answers, validate_definition
from tests.factories import TeamFactory, UserFactory


def form(*fields: dict) -> dict:
    return validate_definition({"fields": list(fields)})


def errors_of(definition: dict, data) -> dict:
    with pytest.raises(ValidationError) as caught:
        clean_answers(definition, data)
    return caught.value.message_dict


def refusal(definition: object) -> str:
    with pytest.raises(ValidationError) as caught:
        validate_definition(definition)
    return " ".join(caught.value.messages)


CHOICES = [{"value": "small", "label": "Small"}, {"value": "large", "label": "Large"}]


# --- validate_definition --------------------------------------------------------------------------


def test_normalises_defaults():
    definition = form({"name": "reason", "type": "text"})
    assert definition == {
        "fields": [{"name": "reason", "label": "Reason", "type": "text", "required": False, "help_text": ""}]
    }


@pytest.mark.parametrize(
    ("definition", "reason"),
    [
        ([], "must be an object"),
        ({"fields": [], "extra": 1}, "Unknown keys"),
        ({"fields": "x"}, "must be a list"),
        ({"fields": [{"name": "a", "type": "colour"}]}, "unknown type"),
        ({"fields": [{"name": "a", "type": ["text"]}]}, "unknown type"),
        ({"fields": [{"name": "A b", "type": "text"}]}, "must be lower case"),
        ({"fields": [{"name": "a" * 51, "type": "text"}]}, "at most 50"),
        ({"fields": [{"name": "a", "type": "text"}, {"name": "a", "type": "date"}]}, "duplicate name"),
        ({"fields": [{"name": "a", "type": "choice"}]}, "choices are missing"),
        ({"fields": [{"name": "a", "type": "choice", "choices": []}]}, "non-empty"),
        ({"fields": [{"name": "a", "type": "choice", "choices": [{"value": "x"}, {"value": "x"}]}]}, "duplicate value"),
        ({"fields": [{"name": "a", "type": "number", "min": 5, "max": 1}]}, "greater than max"),
        ({"fields": [{"name": "a", "type": "number", "min": True}]}, "must be a number"),
        ({"fields": [{"name": "a", "type": "text", "min_length": 9, "max_length": 2}]}, "greater than max_length"),
        ({"fields": [{"name": "a", "type": "text", "choices": CHOICES}]}, "unknown or misplaced keys"),
        ({"fields": [{"name": "a", "type": "text", "colour": "red"}]}, "unknown or misplaced keys"),
        ({"fields": [{"name": "a", "type": "text", "regex": "("}]}, "not a valid regular expression"),
        ({"fields": [{"name": "a", "type": "text", "regex": "(a)\\1"}]}, "backreferences and lookaround"),
        ({"fields": [{"name": "a", "type": "text", "regex": "(?=a)a"}]}, "backreferences and lookaround"),
        ({"fields": [{"name": "a", "type": "text", "regex": "x" * 201}]}, "at most 200"),
        ({"fields": [{"name": "a", "type": "text", "regex": ".*", "max_length": 256}]}, "at most 255"),
        ({"fields": [{"name": "a", "type": "text", "required": "yes"}]}, "true or false"),
        ({"fields": [{"name": "a", "type": "text", "label": "a\x00b"}]}, "NUL"),
        ({"fields": [{"name": "a", "type": "multi_choice", "choices": CHOICES, "max": 3}]}, "between 1 and 2"),
        ({"fields": [{"name": "a", "type": "text", "max_length": 0}]}, "between 1 and 1000"),
        (
            {"fields": [{"name": "a", "type": "text", "show_if": {"field": "b", "equals": "x"}}]},
            "not the name of an earlier field",
        ),
        (
            {
                "fields": [
                    {"name": "a", "type": "text", "show_if": {"field": "b", "equals": "x"}},
                    {"name": "b", "type": "text"},
                ]
            },
            "not the name of an earlier field",
        ),
        (
            {
                "fields": [
                    {"name": "a", "type": "choice", "choices": CHOICES},
                    {"name": "b", "type": "text", "show_if": {"field": "a", "equals": "medium"}},
                ]
            },
            "not one of the field's choices",
        ),
        (
            {
                "fields": [
                    {"name": "a", "type": "boolean"},
                    {"name": "b", "type": "text", "show_if": {"field": "a", "equals": "yes"}},
                ]
            },
            "true or false",
        ),
        (
            {
                "fields": [
                    {"name": "a", "type": "number", "max": 3},
                    {"name": "b", "type": "text", "show_if": {"field": "a", "equals": 4}},
                ]
            },
            "outside the field's bounds",
        ),
        (
            {
                "fields": [
                    {"name": "a", "type": "boolean"},
                    {"name": "b", "type": "boolean", "show_if": {"field": "a", "equals": True}},
                    {"name": "c", "type": "text", "show_if": {"field": "b", "equals": True}},
                ]
            },
            "itself conditional",
        ),
    ],
)
def test_refuses_definitions_that_cannot_render_or_validate(definition, reason):
    assert reason in refusal(definition)


def test_accepts_a_definition_with_every_type():
    definition = form(
        {"name": "title", "type": "text", "required": True, "min_length": 2, "max_length": 20, "regex": "[A-Z].*"},
        {"name": "details", "type": "long_text"},
        {"name": "size", "type": "choice", "choices": CHOICES},
        {"name": "tools", "type": "multi_choice", "choices": CHOICES, "min": 1, "max": 2},
        {"name": "when", "type": "date"},
        {"name": "count", "type": "number", "min": 1, "max": 10.5},
        {"name": "urgent", "type": "boolean"},
        {"name": "colleague", "type": "user"},
        {"name": "team", "type": "team", "joinable_only": True},
    )
    assert [field["type"] for field in definition["fields"]] == [
        "text", "long_text", "choice", "multi_choice", "date", "number", "boolean", "user", "team"
    ]  # fmt: skip


# --- each field type ------------------------------------------------------------------------------


def test_text_strips_checks_lengths_and_regex_with_fullmatch():
    definition = form({"name": "code", "type": "text", "required": True, "min_length": 3, "regex": "[a-z]+"})
    assert clean_answers(definition, {"code": "  abc "}) == {"code": "abc"}
    assert "code" in errors_of(definition, {"code": "abc1"})  # search would match, fullmatch does not
    assert "at least 3" in errors_of(definition, {"code": "ab"})["code"][0]
    assert "required" in errors_of(definition, {"code": "   "})["code"][0]


def test_text_refuses_overlong_input_before_the_regex_runs():
    definition = form({"name": "code", "type": "text", "regex": "a*"})
    assert "at most 255" in " ".join(errors_of(definition, {"code": "a" * 256})["code"])


def test_long_text_allows_ten_thousand_characters():
    definition = form({"name": "details", "type": "long_text"})
    assert clean_answers(definition, {"details": "x" * 10000}) == {"details": "x" * 10000}
    assert "details" in errors_of(definition, {"details": "x" * 10001})


def test_choice_accepts_only_its_values():
    definition = form({"name": "size", "type": "choice", "choices": CHOICES, "required": True})
    assert clean_answers(definition, {"size": "large"}) == {"size": "large"}
    assert "size" in errors_of(definition, {"size": "medium"})
    assert "size" in errors_of(definition, {"size": 1})


def test_multi_choice_counts_and_types():
    definition = form({"name": "tools", "type": "multi_choice", "choices": CHOICES, "min": 2})
    assert clean_answers(definition, {"tools": ["small", "large"]}) == {"tools": ["small", "large"]}
    assert "at least 2" in errors_of(definition, {"tools": ["small"]})["tools"][0]
    assert errors_of(definition, {"tools": "small"}) == {"tools": ["Expected a list of strings."]}
    assert clean_answers(definition, QueryDict("tools=small&tools=large")) == {"tools": ["small", "large"]}
    assert clean_answers(definition, {}) == {}  # optional: nothing chosen is fine


def test_date_is_iso_only():
    definition = form({"name": "when", "type": "date"})
    assert clean_answers(definition, {"when": "2026-02-28"}) == {"when": "2026-02-28"}
    assert "when" in errors_of(definition, {"when": "28/02/2026"})
    assert "when" in errors_of(definition, {"when": "2026-02-30"})


def test_number_bounds_and_native_types():
    definition = form({"name": "count", "type": "number", "min": 1, "max": 10})
    assert clean_answers(definition, {"count": 3}) == {"count": 3}
    assert clean_answers(definition, {"count": 2.5}) == {"count": 2.5}
    assert clean_answers(definition, QueryDict("count=4")) == {"count": 4}
    assert "at most 10" in errors_of(definition, {"count": 11})["count"][0]
    assert "at least 1" in errors_of(definition, {"count": 0})["count"][0]
    assert errors_of(definition, {"count": True}) == {"count": ["Expected a number."]}
    assert errors_of(definition, {"count": [1]}) == {"count": ["Expected a number."]}
    for bad in ("nan", "inf", "1e400", "1_0", "x"):
        assert "count" in errors_of(definition, {"count": bad})
    assert "count" in errors_of(definition, {"count": 10**400})


def test_boolean_native_and_html():
    definition = form({"name": "urgent", "type": "boolean"})
    assert clean_answers(definition, {"urgent": True}) == {"urgent": True}
    assert clean_answers(definition, {"urgent": False}) == {"urgent": False}
    assert clean_answers(definition, QueryDict("urgent=on")) == {"urgent": True}
    assert clean_answers(definition, QueryDict("")) == {"urgent": False}
    assert errors_of(definition, {"urgent": "maybe"}) == {"urgent": ["Expected true or false."]}
    assert errors_of(definition, {"urgent": 1}) == {"urgent": ["Expected true or false."]}


def test_required_boolean_must_be_ticked():
    definition = form({"name": "agree", "type": "boolean", "required": True})
    assert "agree" in errors_of(definition, {"agree": False})


@pytest.mark.django_db
def test_user_picker_accepts_active_usernames_only():
    UserFactory(username="alice")
    UserFactory(username="gone", is_active=False)
    definition = form({"name": "colleague", "type": "user", "required": True})
    assert clean_answers(definition, {"colleague": "alice"}) == {"colleague": "alice"}
    assert "No active user" in errors_of(definition, {"colleague": "gone"})["colleague"][0]
    assert "colleague" in errors_of(definition, {"colleague": "nobody"})


@pytest.mark.django_db
def test_team_picker_stores_slug_and_honours_joinable_only():
    TeamFactory(slug="guild", name="Guild", joinable=True)
    TeamFactory(slug="closed", name="Closed", joinable=False)
    anyteam = form({"name": "team", "type": "team"})
    joinable = form({"name": "team", "type": "team", "joinable_only": True})
    assert clean_answers(anyteam, {"team": "closed"}) == {"team": "closed"}
    assert clean_answers(joinable, {"team": "guild"}) == {"team": "guild"}
    assert "joinable" in errors_of(joinable, {"team": "closed"})["team"][0]


@pytest.mark.django_db
def test_nul_bytes_are_field_errors():
    definition = form(
        {"name": "title", "type": "text"},
        {"name": "colleague", "type": "user"},
        {"name": "team", "type": "team"},
        {"name": "when", "type": "date"},
        {"name": "count", "type": "number"},
        {"name": "size", "type": "choice", "choices": CHOICES},
    )
    data = {name: "a\x00b" for name in ("title", "colleague", "team", "when", "count", "size")}
    assert set(errors_of(definition, data)) == set(data)


def test_unknown_api_keys_are_errors_and_html_extras_are_ignored():
    definition = form({"name": "title", "type": "text"})
    assert errors_of(definition, {"title": "x", "colour": "red"}) == {"colour": ["This form has no such field."]}
    assert clean_answers(definition, QueryDict("title=x&csrfmiddlewaretoken=abc")) == {"title": "x"}


def test_answers_are_json_serialisable():
    definition = form({"name": "when", "type": "date"}, {"name": "count", "type": "number"})
    answers = clean_answers(definition, {"when": "2026-01-01", "count": "1.5"})
    assert json.loads(json.dumps(answers)) == {"when": "2026-01-01", "count": 1.5}


# --- conditional fields ---------------------------------------------------------------------------

CONDITIONAL = {
    "fields": [
        {"name": "kind", "type": "choice", "choices": CHOICES, "required": True},
        {"name": "why", "type": "text", "required": True, "show_if": {"field": "kind", "equals": "large"}},
    ]
}


def test_hidden_conditional_field_is_not_required_and_dropped():
    definition = validate_definition(CONDITIONAL)
    assert clean_answers(definition, {"kind": "small"}) == {"kind": "small"}
    assert clean_answers(definition, {"kind": "small", "why": "ignored"}) == {"kind": "small"}
    assert clean_answers(definition, QueryDict("kind=small&why=ignored")) == {"kind": "small"}


def test_hidden_conditional_field_with_garbage_is_still_dropped():
    definition = form(
        {"name": "urgent", "type": "boolean"},
        {"name": "count", "type": "number", "show_if": {"field": "urgent", "equals": True}},
    )
    assert clean_answers(definition, {"urgent": False, "count": "not a number"}) == {"urgent": False}
    assert "count" in errors_of(definition, {"urgent": True, "count": "not a number"})


def test_shown_conditional_field_is_required():
    definition = validate_definition(CONDITIONAL)
    assert "why" in errors_of(definition, {"kind": "large"})
    assert clean_answers(definition, {"kind": "large", "why": "big job"}) == {"kind": "large", "why": "big job"}


def test_condition_on_multi_choice_means_value_selected():
    definition = form(
        {"name": "tools", "type": "multi_choice", "choices": CHOICES},
        {"name": "why", "type": "text", "required": True, "show_if": {"field": "tools", "equals": "large"}},
    )
    assert clean_answers(definition, {"tools": ["small"]}) == {"tools": ["small"]}
    assert "why" in errors_of(definition, {"tools": ["small", "large"]})


def test_condition_when_target_is_invalid_hides_the_field():
    definition = validate_definition(CONDITIONAL)
    assert set(errors_of(definition, {"kind": "huge"})) == {"kind"}


# --- rendering and display ------------------------------------------------------------------------


@pytest.mark.django_db
def test_rendered_form_carries_bootstrap_classes_show_if_and_pickers():
    definition = form(
        {"name": "kind", "type": "choice", "choices": CHOICES, "help_text": "Pick one"},
        {"name": "why", "type": "text", "show_if": {"field": "kind", "equals": "large"}},
        {"name": "colleague", "type": "user"},
        {"name": "team", "type": "team", "joinable_only": True},
        {"name": "urgent", "type": "boolean"},
    )
    rendered = build_form_class(definition)()
    assert rendered.fields["why"].show_if == {"field": "kind", "equals": "large"}
    assert json.loads(rendered.fields["why"].show_if_json) == {"field": "kind", "equals": "large"}
    assert rendered.fields["kind"].show_if is None
    html = str(rendered["kind"])
    assert 'class="form-select"' in html and 'aria-describedby="id_kind_helptext"' in html
    assert 'class="form-check-input"' in str(rendered["urgent"])
    picker = str(rendered["colleague"])
    assert 'list="id_colleague_options"' in picker and '<datalist id="id_colleague_options">' in picker
    assert 'hx-get="/accounts/users/search/"' in picker and 'hx-trigger="input changed delay:250ms"' in picker
    assert 'hx-target="#id_colleague_options"' in picker
    # steward.js sends the typed text as ?q=; hx-vals="js:..." would need eval, which the CSP forbids.
    assert "data-picker" in picker and "js:" not in picker
    assert 'hx-get="/accounts/teams/search/?joinable=1"' in str(rendered["team"])


def test_field_template_marks_conditional_rows_for_steward_js():
    template = engines["django"].from_string('{% for field in form %}{% include "includes/field.html" %}{% endfor %}')
    html = template.render({"form": build_form_class(validate_definition(CONDITIONAL))()})
    assert "data-show-if='{&quot;field&quot;: &quot;kind&quot;, &quot;equals&quot;: &quot;large&quot;}'" in html
    assert html.count("data-show-if") == 1
    quoted = form(
        {"name": "a", "type": "text"}, {"name": "b", "type": "text", "show_if": {"field": "a", "equals": "it's"}}
    )
    assert "it&#x27;s" in template.render({"form": build_form_class(quoted)()})  # cannot close the attribute


def test_errors_are_tied_to_fields_with_aria():
    bound = build_form_class(validate_definition(CONDITIONAL))(data=QueryDict("kind=large"))
    assert not bound.is_valid()
    html = str(bound["why"])
    assert 'aria-invalid="true"' in html and "id_why_error" in html
    assert bound["why"].field.required  # restored after cleaning so the page still marks it required


def test_display_answers_uses_labels():
    definition = form(
        {"name": "size", "label": "Size", "type": "choice", "choices": CHOICES},
        {"name": "tools", "label": "Tools", "type": "multi_choice", "choices": CHOICES},
        {"name": "urgent", "label": "Urgent", "type": "boolean"},
        {"name": "count", "label": "Count", "type": "number"},
    )
    answers = {"size": "large", "tools": ["small", "large"], "urgent": False, "count": 2, "gone": "x"}
    assert display_answers(definition, answers) == [
        ("Size", "Large"),
        ("Tools", "Small, Large"),
        ("Urgent", "No"),
        ("Count", "2"),
    ]
