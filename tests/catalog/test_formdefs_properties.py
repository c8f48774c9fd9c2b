"""Property tests: no definition the admin accepts can crash rendering or answer validation."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.template import engines
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from apps.catalog.formdefs import build_form_class, clean_answers, display_answers, validate_definition
from tests.factories import TeamFactory, UserFactory

TYPES = ["text", "long_text", "choice", "multi_choice", "date", "number", "boolean", "user", "team"]
NAMES = ["f0", "f1", "f2", "f3", "zz"]
WORDS = ["small", "large", "x", "true", "false", "on", "1", "2.5", "2026-01-01", "alice", "guild", "", " y", "a\x00"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | st.sampled_from(WORDS),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=6,
)
numbers = st.integers(-5, 20) | st.floats(allow_nan=True, allow_infinity=True) | st.booleans() | st.sampled_from(["1"])
choice_lists = st.lists(
    st.fixed_dictionaries(
        {"value": st.sampled_from(WORDS) | st.text(max_size=5)}, optional={"label": st.text(max_size=8)}
    ),
    max_size=4,
)
good_choices = st.lists(st.sampled_from(["small", "large", "x", "true"]), min_size=1, max_size=4, unique=True).map(
    lambda values: [{"value": value, "label": value.title()} for value in values]
)
plausible_equals = st.sampled_from([True, False, "small", "large", "x", 1, 2.5, "2026-01-01", "alice"]) | json_values
regexes = st.sampled_from(["[a-z]+", "x|y", "(a+)+", "(", "\\d{3}-\\d{4}", "(?i)yes|no", ".*"]) | st.text(max_size=8)
OPTIONAL = {
    "label": st.sampled_from(["Label", "Ünïcode <b>", "Why?"]) | st.text(max_size=15) | json_values,
    "required": st.booleans() | st.booleans() | json_values,
    "help_text": st.text(max_size=20),
    "choices": choice_lists | json_values,
    "min": numbers,
    "max": numbers,
    "min_length": st.integers(-1, 30),
    "max_length": st.integers(-1, 2000),
    "regex": regexes | regexes,
    "joinable_only": st.booleans() | json_values,
    "not_before_today": st.booleans() | json_values,
    "show_if": st.fixed_dictionaries({"field": st.sampled_from(NAMES), "equals": plausible_equals}) | json_values,
    "surprise": json_values,
}


def field_specs(field_type: str) -> st.SearchStrategy[dict]:
    # Mostly the keys that fit the type, so that many definitions are accepted; sometimes any key.
    fitting = {
        "text": ["min_length", "max_length", "regex"],
        "long_text": ["min_length", "max_length", "regex"],
        "choice": ["choices"],
        "multi_choice": ["choices", "min", "max"],
        "number": ["min", "max"],
        "team": ["joinable_only"],
        "date": ["not_before_today"],
    }.get(field_type, [])
    common = ["label", "required", "help_text", "show_if"]
    keys = st.sampled_from([common + fitting, fitting, ["required", *fitting], list(OPTIONAL)])
    required = {"type": st.just(field_type)}
    if "choices" in fitting:
        required["choices"] = good_choices | choice_lists
    return keys.flatmap(
        lambda names: st.fixed_dictionaries(
            required, optional={name: OPTIONAL[name] for name in names if name not in required}
        )
    )


def _name(fields: list[dict], names: list[str]) -> list[dict]:
    return [{"name": name, **field} for name, field in zip(names, fields, strict=False)]


raw_definitions = st.lists(st.sampled_from(TYPES).flatmap(field_specs), max_size=5).flatmap(
    lambda fields: (
        st.lists(st.sampled_from(NAMES) | st.text(max_size=6), min_size=len(fields), max_size=len(fields))
        .map(lambda names: sorted(names) if names else names)
        .map(lambda names, fields=fields: {"fields": _name(fields, names)})
    )
)
ordered_definitions = st.lists(st.sampled_from(TYPES).flatmap(field_specs), max_size=5).map(
    lambda fields: {"fields": _name(fields, NAMES[: len(fields)])}
)
# A target field first, then fields that depend on it: conditional logic in most accepted definitions.
conditional_definitions = st.tuples(
    st.sampled_from(TYPES).flatmap(field_specs),
    st.lists(
        st.tuples(st.sampled_from(TYPES).flatmap(field_specs), plausible_equals).map(
            lambda pair: {**pair[0], "show_if": {"field": "f0", "equals": pair[1]}}
        ),
        min_size=1,
        max_size=3,
    ),
).map(lambda parts: {"fields": _name([parts[0], *parts[1]], NAMES)})
definitions = ordered_definitions | conditional_definitions | raw_definitions | json_values

text_values = st.sampled_from(WORDS) | st.text(max_size=30)
api_data = st.dictionaries(st.sampled_from(NAMES), json_values | text_values, max_size=6)
html_pairs = st.lists(st.tuples(st.sampled_from(NAMES), text_values), max_size=8)

FIELDS_TEMPLATE = engines["django"].from_string(
    '{% for field in form %}{% include "includes/field.html" %}{% endfor %}'
)


def render(form) -> str:
    """The form as request pages show it: every field through templates/includes/field.html."""
    return FIELDS_TEMPLATE.render({"form": form})


HYPOTHESIS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def people(db):
    UserFactory(username="alice")
    TeamFactory(slug="guild", name="Guild", joinable=True)


def accepted(definition: object) -> dict | None:
    try:
        return validate_definition(definition)
    except ValidationError:
        return None


def check_answers(definition: dict, data) -> None:
    try:
        answers = clean_answers(definition, data)
    except ValidationError as exc:
        assert set(exc.message_dict) <= set(NAMES) | {name for name, _ in getattr(data, "lists", dict)()}
        return
    assert json.loads(json.dumps(answers, allow_nan=False)) == answers
    assert set(answers) <= {field["name"] for field in definition["fields"]}
    display_answers(definition, answers)


@HYPOTHESIS
@given(definition=definitions)
def test_validate_definition_accepts_or_refuses_with_validation_error_only(definition):
    normalised = accepted(definition)
    if normalised is not None:
        assert validate_definition(normalised) == normalised  # normalising is idempotent
        json.dumps(normalised, allow_nan=False)


@HYPOTHESIS
@given(definition=definitions)
def test_every_accepted_definition_renders(definition):
    normalised = accepted(definition)
    if normalised is None:
        return
    html = render(build_form_class(normalised)())
    for field in normalised["fields"]:
        assert f'name="{field["name"]}"' in html


@HYPOTHESIS
@given(definition=definitions, data=api_data)
def test_api_answers_validate_or_raise_validation_error(people, definition, data):
    normalised = accepted(definition)
    if normalised is not None:
        check_answers(normalised, data)


@HYPOTHESIS
@given(definition=definitions, pairs=html_pairs)
def test_html_answers_validate_or_raise_validation_error(people, definition, pairs):
    normalised = accepted(definition)
    if normalised is None:
        return
    data = QueryDict(mutable=True)
    for key, value in pairs:
        data.appendlist(key, value)
    check_answers(normalised, data)
    # A bound form re-renders with whatever was posted.
    render(build_form_class(normalised)(data=data))


@pytest.mark.parametrize("field_type", TYPES)
def test_strategies_produce_accepted_definitions_of_every_type(field_type):
    # Guards the strategies above: without accepted definitions the properties would prove nothing.
    found = find(definitions, lambda d: any(f["type"] == field_type for f in (accepted(d) or {"fields": []})["fields"]))
    assert accepted(found)


def test_strategies_produce_accepted_conditional_definitions():
    found = find(definitions, lambda d: any("show_if" in f for f in (accepted(d) or {"fields": []})["fields"]))
    assert accepted(found)
