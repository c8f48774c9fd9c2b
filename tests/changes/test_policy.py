"""The policy engine: rule checking and scoring, with hypothesis-generated attribute sets."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.changes.choices import TIER_RANK, Tier
from apps.changes.policy import ATTRIBUTES, PolicySpec, RuleSpec, assess, rule_check, snapshot, tier_for_score
from apps.changes.policy.rules import MAX_EXPRESSION_LENGTH, attribute_sets, root_names

FAILING = "diff_lines / files_changed > 3"  # files_changed is 0 by default: a division by zero at run time
ALWAYS_FAILING = "diff_lines / (files_changed - files_changed) > 3"


def messages(expression):
    with pytest.raises(ValidationError) as excinfo:
        rule_check(expression)
    return " ".join(excinfo.value.messages)


@pytest.mark.parametrize(
    "expression",
    [
        "is_production && max_criticality in ['high', 'critical']",
        "paths.exists(p, p.startsWith('db/migrations/'))",
        "size(paths) > 20 || tests_failed > 0",
        "start_weekday >= 5 || start_hour < 7",
        "service_failure_rate_30d > 0.2",
        "in_maintenance_window",
        "paths.map(x, x.size()).exists(y, y > 3)",
        "'a.b' == environment",
    ],
)
def test_rule_check_accepts_rules_over_documented_attributes(expression):
    assert rule_check(f"  {expression} ") == expression


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("secret_flag", "Unknown attribute “secret_flag”"),
        ("false && secret", "Unknown attribute “secret”"),  # never evaluated, still refused
        ("paths.exists(p, p == 'x') && p", "Unknown attribute “p”"),  # the binder does not leak out of its macro
        ("r'\\' == environment && hidden", "Unknown attribute “hidden”"),
        ("launch(1) > 0", "Unknown function “launch”"),
        ("diff_lines", "returns int 0, not true or false"),
        ("environment", "returns str"),
        (FAILING, "ZeroDivisionError"),
        ("diff_lines + 1.5 > 2", "fails with TypeError"),
        ("is_production &&", "Syntax error: Failed to parse expression"),
        ("", "Write an expression"),
    ],
)
def test_rule_check_refuses_with_a_reason(expression, reason):
    assert reason in messages(expression)


def test_rule_check_refuses_over_long_expressions():
    expression = " || ".join(["is_production"] * (MAX_EXPRESSION_LENGTH // 10))
    assert f"at most {MAX_EXPRESSION_LENGTH} characters" in messages(expression)


def test_rule_check_finds_failures_only_generated_values_reach():
    # No sample value lies strictly between 1 and a million: only the generated attribute sets get there.
    assert "generated attribute values" in messages("diff_lines > 1 && diff_lines < 1000000 ? 1 / 0 == 1 : true")


def test_root_names_skip_strings_members_and_binders():
    names = list(root_names("paths.all(p, p.size() < 9) && 'x y' == environment && open_incidents > 0"))
    assert names == [("variable", "paths"), ("variable", "environment"), ("variable", "open_incidents")]


def test_snapshot_types_every_attribute_and_drops_unknown_keys():
    values = snapshot({"diff_lines": "many", "is_production": 1, "tests_failed": -5, "nope": 1, "paths": ["a", 3]})
    assert set(values) == set(ATTRIBUTES)
    assert values["diff_lines"] == 0 and values["is_production"] is False
    assert values["tests_failed"] == 0 and values["paths"] == ["a"]


POLICY = PolicySpec(
    version=3,
    rules=(
        RuleSpec("production", "is_production", 25),
        RuleSpec("big diff", "diff_lines > 500", 20),
        RuleSpec("failing tests", "tests_failed > 0", 40),
        RuleSpec("maintenance", "in_maintenance_window", -15),
    ),
    checks=(
        RuleSpec("tests green", "tests_failed == 0 && has_test_evidence"),
        RuleSpec("rollback", "has_rollback_plan"),
    ),
    medium_from=30,
    high_from=60,
)


def test_assess_records_the_rules_fired_with_contributions_and_the_snapshot():
    result = assess(POLICY, {"is_production": True, "diff_lines": 800, "has_rollback_plan": True})

    assert result.score == 45 and result.tier == Tier.MEDIUM and result.policy_version == 3
    assert [(r["name"], r["contribution"]) for r in result.rules_fired] == [("production", 25), ("big diff", 20)]
    assert result.attributes["diff_lines"] == 800 and result.attributes["open_incidents"] == 0
    # Each rule says what it saw: the attributes its expression reads, with their values.
    assert [r["saw"] for r in result.rules_fired] == [{"is_production": True}, {"diff_lines": 800}]
    assert [(c["name"], c["passed"]) for c in result.checks] == [("tests green", False), ("rollback", True)]


def test_a_negative_weight_lowers_the_score():
    result = assess(POLICY, {"is_production": True, "diff_lines": 800, "in_maintenance_window": True})
    assert result.score == 30


def test_a_failing_rule_adds_its_positive_weight_is_shown_and_forces_medium_even_for_standard():
    policy = PolicySpec(version=1, rules=(RuleSpec("broken", FAILING, 5), RuleSpec("neg broken", FAILING, -50)))

    result = assess(policy, {"change_type": "standard"})

    assert result.score == 5 and result.tier == Tier.MEDIUM and result.has_errors
    assert [r["contribution"] for r in result.rules_fired] == [5, 0]
    assert "ZeroDivisionError" in result.rules_fired[0]["error"]


def test_standard_changes_are_low_whatever_the_score():
    assert assess(POLICY, {"change_type": "standard", "is_production": True, "tests_failed": 3}).tier == Tier.LOW


def test_a_failing_required_check_counts_as_not_passed():
    result = assess(PolicySpec(version=1, checks=(RuleSpec("broken", FAILING),)), {})
    assert result.checks[0]["passed"] is False and result.checks[0]["error"]
    assert not result.checks_pass


rules = st.lists(
    st.builds(
        RuleSpec,
        name=st.sampled_from(["a", "b", "c"]),
        expression=st.sampled_from(
            ["is_production", "diff_lines > 100", "paths.size() > 2", FAILING, "diff_lines", "tests_failed > 0"]
        ),
        weight=st.integers(-100, 100),
    ),
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(rules=rules, values=attribute_sets(), medium=st.integers(-50, 50), gap=st.integers(1, 80))
def test_assess_never_crashes_and_returns_a_known_tier(rules, values, medium, gap):
    policy = PolicySpec(version=1, rules=tuple(rules), medium_from=medium, high_from=medium + gap)
    result = assess(policy, values)
    assert result.tier in Tier.values
    assert result.score == sum(r["contribution"] for r in result.rules_fired)


@given(a=st.integers(-1000, 1000), b=st.integers(-1000, 1000), medium=st.integers(-50, 50), gap=st.integers(1, 80))
def test_tier_is_monotonic_in_score(a, b, medium, gap):
    low, high = sorted((a, b))
    bands = {"medium_from": medium, "high_from": medium + gap}
    assert TIER_RANK[Tier(tier_for_score(low, **bands))] <= TIER_RANK[Tier(tier_for_score(high, **bands))]


@settings(max_examples=150, deadline=None)
@given(rules=rules, values=attribute_sets(), index=st.integers(0, 5), medium=st.integers(-50, 50))
def test_a_failing_rule_never_lowers_the_tier(rules, values, index, medium):
    if not rules:
        return
    index %= len(rules)
    broken = list(rules)
    broken[index] = RuleSpec(rules[index].name, ALWAYS_FAILING, rules[index].weight)
    for change_type in ("standard", "normal", "emergency"):
        values = {**values, "change_type": change_type}
        healthy = assess(PolicySpec(1, tuple(rules), medium_from=medium, high_from=medium + 30), values)
        failing = assess(PolicySpec(1, tuple(broken), medium_from=medium, high_from=medium + 30), values)
        assert TIER_RANK[Tier(failing.tier)] >= TIER_RANK[Tier(healthy.tier)]
        assert TIER_RANK[Tier(failing.tier)] >= TIER_RANK[Tier.MEDIUM]
