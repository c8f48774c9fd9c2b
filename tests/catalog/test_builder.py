"""Unit tests of the request-form editor (apps/catalog/builder.py), the located problems of the form engine
and the JSON export/import."""

import pytest
from django.http import QueryDict
from hypothesis import given
from hypothesis import strategies as st

from apps.catalog.builder import Builder, apply_op, derive_name, rows_from_definition, rows_from_post
from apps.catalog.formdefs import validate_definition
from apps.catalog.formdefs.jsonio import DefinitionImportError, definition_dumps, definition_loads
from apps.catalog.formdefs.validation import definition_problems

FORM = {
    "fields": [
        {
            "name": "access_level",
            "label": "Access level",
            "type": "choice",
            "required": True,
            "choices": [{"value": "read", "label": "Read"}, {"value": "admin", "label": "Admin"}],
        },
        {"name": "size", "label": "Size", "type": "number", "min": 0, "max": 10},
        {"name": "urgent", "label": "Urgent", "type": "boolean"},
        {
            "name": "why",
            "label": "Why admin?",
            "type": "long_text",
            "required": True,
            "regex": "[a-z ]+",
            "max_length": 200,
            "show_if": {"field": "access_level", "equals": "admin"},
        },
        {"name": "when", "label": "When", "type": "date", "show_if": {"field": "urgent", "equals": True}},
        {"name": "count", "label": "Count", "type": "text", "show_if": {"field": "size", "equals": 0}},
    ]
}


def post(rows, **extra) -> QueryDict:
    data = QueryDict(mutable=True)
    data["field_count"] = str(len(rows))
    for index, row in enumerate(rows):
        for key, value in row.items():
            if isinstance(value, bool):
                if value:
                    data[f"fields-{index}-{key}"] = "on"
            elif key != "index":
                data[f"fields-{index}-{key}"] = str(value)
    data.update(extra)
    return data


def checked(rows):
    builder = Builder(rows, bound=True)
    return builder, builder.check()


def test_a_definition_survives_the_editor_unchanged():
    normalised = validate_definition(FORM)
    rows = rows_from_post(post(rows_from_definition(normalised)))
    _, definition = checked(rows)
    assert definition == normalised


def test_rows_follow_their_position_and_ops_name_rows_by_their_post_index():
    rows = rows_from_definition(validate_definition(FORM))
    rows[0]["position"], rows[1]["position"] = "1", "0"  # a drag put "size" first
    ordered = rows_from_post(post(rows))
    assert [row["name"] for row in ordered[:2]] == ["size", "access_level"]
    assert [row["name"] for row in apply_op(ordered, "down-0")[:3]] == ["size", "urgent", "access_level"]
    assert [row["name"] for row in apply_op(ordered, "down-1")[:2]] == ["access_level", "size"]
    assert [row["name"] for row in apply_op(ordered, "up-0")[:2]] == ["access_level", "size"]
    assert [row["name"] for row in apply_op(ordered, "remove-2")] == ["size", "access_level", "why", "when", "count"]
    assert apply_op(ordered, "add")[-1]["type"] == "text" and len(apply_op(ordered, "add")) == 7
    assert apply_op(ordered, "remove-99") == ordered and apply_op(ordered, "explode-1") == ordered


def test_a_forged_count_reads_at_most_one_row_more_than_allowed():
    rows = rows_from_post(QueryDict("field_count=100000000"))
    assert len(rows) == 101
    builder, definition = checked(rows)
    assert definition is None and builder.problems[0].message == "A form has at most 100 fields."


def test_names_come_from_labels_and_booleans_and_numbers_from_conditions():
    rows = [
        {"label": "Needs a screen?", "type": "boolean"},
        {"label": "Size", "type": "number"},
        {"label": "Which one", "type": "text", "show_if_field": "needs_a_screen", "show_if_equals": "yes"},
        {"label": "Big", "type": "text", "show_if_field": "size", "show_if_equals": "2.5"},
    ]
    _, definition = checked(rows)
    assert [f["name"] for f in definition["fields"]] == ["needs_a_screen", "size", "which_one", "big"]
    assert definition["fields"][2]["show_if"] == {"field": "needs_a_screen", "equals": True}
    assert definition["fields"][3]["show_if"] == {"field": "size", "equals": 2.5}


@pytest.mark.parametrize(
    ("label", "name"), [("Why do you need it?", "why_do_you_need_it"), ("2 screens", "f_2_screens"), ("Été", "ete")]
)
def test_derive_name(label, name):
    assert derive_name(label) == name


def test_only_the_inputs_of_the_type_are_read():
    rows = [{"name": "a", "type": "text", "choices": "x\ny", "min": "nonsense", "joinable_only": True}]
    _, definition = checked(rows)
    assert definition["fields"] == [{"name": "a", "label": "A", "type": "text", "required": False, "help_text": ""}]


def test_each_problem_sits_next_to_its_field_and_input():
    rows = [
        {"name": "size", "label": "Size", "type": "choice", "choices": "s | Small\ns | Again"},
        {"name": "Bad Name", "label": "Bad", "type": "text"},
        {"name": "n", "label": "N", "type": "number", "min": "5", "max": "1"},
        {"name": "w", "label": "W", "type": "text", "min_length": "abc"},
        {"name": "c", "label": "C", "type": "text", "show_if_field": "size", "show_if_equals": "xl"},
    ]
    builder, definition = checked(rows)
    assert definition is None
    # Inputs that are not even numbers are refused first, next to themselves.
    assert builder.forms[3].errors["min_length"] == ["Enter a whole number."]
    assert [(p.row, p.input_label) for p in builder.problems] == [(3, "Min length")]
    rows[3]["min_length"] = "2"
    builder, _ = checked(rows)
    assert builder.forms[0].errors["choices"] == ["Choice 2: duplicate value 's'."]
    assert "must be lower case" in builder.forms[1].errors["name"][0]
    assert builder.forms[2].errors["min"] == ["Min (5) is greater than max (1)."]
    located = {(p.row, p.input_label) for p in builder.problems}
    assert located == {(0, "Choices"), (1, "Name"), (2, "Min")}  # field 5's target is broken: no cascade
    assert builder.problems[0].field_title == "Field 1 “Size”" and builder.problems[0].anchor == "field-card-0"


def test_a_condition_on_a_value_the_target_cannot_hold_points_at_the_value():
    rows = [
        {"name": "size", "label": "Size", "type": "choice", "choices": "s\nm"},
        {"name": "c", "label": "C", "type": "text", "show_if_field": "size", "show_if_equals": "xl"},
    ]
    builder, _ = checked(rows)
    assert "is not one of the field's choices" in builder.forms[1].errors["show_if_equals"][0]
    rows[1]["show_if_equals"] = "s"
    rows.append({"name": "d", "label": "D", "type": "text", "show_if_field": "c", "show_if_equals": "x"})
    builder, _ = checked(rows)
    assert "itself conditional" in builder.forms[2].errors["show_if_field"][0]


def test_a_label_or_a_name_is_needed():
    builder, _ = checked([{"type": "text"}])
    assert builder.forms[0].errors["label"] == ["Give the field a label."]


def test_condition_inputs_offer_earlier_unconditional_fields_and_the_targets_values():
    rows = [
        {"name": "size", "label": "Size", "type": "choice", "choices": "s | Small\nm"},
        {"name": "c", "label": "C", "type": "text", "show_if_field": "size", "show_if_equals": "s"},
        {"name": "d", "label": "D", "type": "boolean"},
    ]
    builder = Builder(rows, bound=False)
    assert builder.forms[2].fields["show_if_field"].widget.choices == [("", "Always shown"), ("size", "Size")]
    assert builder.forms[1].fields["show_if_equals"].widget.choices == [("s", "Small"), ("m", "m")]


def test_definition_problems_lists_one_problem_per_field_with_its_path():
    _, problems = definition_problems(
        {"fields": [{"name": "a", "type": "number", "min": "x"}, {"name": "b", "type": "choice", "choices": [{}]}]}
    )
    assert [(p.pointer, p.reason) for p in problems] == [
        ("/fields/0/min", "must be a number."),
        ("/fields/1/choices/0", 'must be an object with "value" and an optional "label".'),
    ]
    _, [root] = definition_problems([])
    assert root.pointer == "" and "must be an object" in root.message


def test_export_then_import_gives_the_same_definition():
    normalised = validate_definition(FORM)
    assert definition_loads(definition_dumps(normalised)) == normalised


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"fields": [\n  {"name": "a",}\n]}', "Line 2, column 16: Expecting property name enclosed in double quotes."),
        ("", 'The text is empty: paste a form like {"fields": [...]}.'),
        ('{"fields": [{"name": "a", "type": "colour"}]}', "/fields/0/type: unknown type 'colour'"),
        ('{"fields": [], "x": 1}', "/x: Unknown keys in the form definition: x."),
        ("[" * 100_000, "The JSON is nested too deeply."),
    ],
)
def test_import_problems_say_where(text, problem):
    with pytest.raises(DefinitionImportError) as caught:
        definition_loads(text)
    assert caught.value.problems[0].startswith(problem)


@given(st.text(max_size=300))
def test_import_never_crashes(text):
    try:
        definition_loads(text)
    except DefinitionImportError as exc:
        assert exc.problems
