"""The policy pages: who sees and edits what, the live rule check, test cases, try it, diff, activation."""

import pytest
from django.urls import reverse

from apps.changes.models import PolicyBacktest, RiskPolicy
from apps.changes.services.backtest import backtest_run
from tests.changes.factories import ChangeFactory


def url(name, *args):
    return reverse(f"changes:{name}", args=args)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("secret_flag", "Unknown attribute “secret_flag”"),
        ("launch(1)", "Unknown function “launch”"),
        ("diff_lines", "returns int 0, not true or false"),
        ("is_production &&", "Syntax error: Failed to parse expression"),
        ("diff_lines / files_changed > 3", "ZeroDivisionError"),
        ("", "Type an expression"),
        ("is_production && criticality_rank >= 3", "Valid: returns true or false"),
    ],
)
def test_the_live_rule_check_explains_each_kind_of_bad_rule(client_for, author, expression, message):
    response = client_for(author).post(url("policy-rule-check"), {"expression": expression}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert message in response.content.decode()


@pytest.mark.django_db
def test_the_live_rule_check_is_for_authors_only(client_for, end_user):
    assert client_for(end_user).post(url("policy-rule-check"), {"expression": "x"}).status_code == 403


@pytest.mark.django_db
def test_everyone_reads_activated_versions_and_only_authors_see_drafts(client_for, v1, draft, end_user, author):
    page = client_for(end_user).get(url("policy-detail", 1))
    assert page.status_code == 200 and "can no longer change" in page.content.decode()
    assert "Draft a new version" not in page.content.decode()
    assert client_for(end_user).get(url("policy-detail", draft.version)).status_code == 404
    assert client_for(end_user).post(url("policy-draft", 1)).status_code == 403
    editor = client_for(author).get(url("policy-detail", draft.version)).content.decode()
    assert "Save the rule" in editor and "Attributes rules may use" in editor and "diff_lines" in editor
    assert "Activate version" not in editor  # the author may not


@pytest.mark.django_db
def test_a_bad_rule_comes_back_with_its_reason_and_the_input_kept(client_for, draft, author):
    response = client_for(author).post(
        url("policy-rule-save", draft.version), {"name": "odd", "kind": "score", "expression": "nope > 1",
                                                 "weight": 5, "position": 0},
    )  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 200 and "Unknown attribute “nope”" in body and "nope &gt; 1" in body
    assert not draft.rules.filter(name="odd").exists()


@pytest.mark.django_db
def test_saving_a_rule_and_bands_on_a_draft(client_for, draft, author):
    client = client_for(author)
    response = client.post(
        url("policy-rule-save", draft.version),
        {"name": "weekend", "kind": "score", "expression": "start_weekday >= 5", "weight": 30, "position": 3},
    )
    assert response.status_code == 302
    assert draft.rules.get(name="weekend").weight == 30
    bands = {"name": "Stricter", "description": "", "medium_from": 20, "high_from": 50}
    assert client.post(url("policy-update", draft.version), bands).status_code == 302
    draft.refresh_from_db()
    assert (draft.name, draft.medium_from, draft.high_from) == ("Stricter", 20, 50)
    bad = client.post(url("policy-update", draft.version), {**bands, "high_from": 10})
    assert "High must start above medium" in bad.content.decode()


@pytest.mark.django_db
def test_editing_an_activated_version_answers_409(client_for, v1, author):
    response = client_for(author).post(
        url("policy-rule-save", 1),
        {"name": "x", "kind": "score", "expression": "is_production", "weight": 1, "position": 0},
    )
    assert response.status_code == 409 and "cannot be changed" in response.content.decode()


@pytest.mark.django_db
def test_a_test_case_from_the_form_and_the_pass_fail_table(client_for, draft, author):
    client = client_for(author)
    data = {"name": "critical prod", "expected_tier": "high", "expected_rules": "production, big diff",
            "attr_is_production": "on", "attr_diff_lines": "900", "attr_change_type": "normal"}  # fmt: skip
    assert client.post(url("policy-test-case-save", draft.version), data).status_code == 302
    case = draft.test_cases.get(name="critical prod")
    assert case.attributes == {"is_production": True, "diff_lines": 900}
    assert case.expected_rules == ["production", "big diff"]
    table = client.get(url("policy-tests-run", draft.version), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in table and table.count(">pass<") == 2


@pytest.mark.django_db
def test_try_it_scores_an_attribute_set_and_a_change(client_for, v1, end_user):
    client = client_for(end_user)
    response = client.post(url("policy-try", 1), {"attr_is_production": "on", "attr_diff_lines": "600"},
                           HTTP_HX_REQUEST="true")  # fmt: skip
    body = response.content.decode()
    assert "Score <strong>65</strong>, tier <strong>high</strong>" in body and "big diff" in body
    change = ChangeFactory(requester=end_user, attributes={"tests_failed": 2}, tier="medium")
    response = client.post(url("policy-try", 1), {"change_number": change.number}, HTTP_HX_REQUEST="true")
    assert "Score <strong>40</strong>" in response.content.decode()
    hidden = ChangeFactory(attributes={"tests_failed": 2}, tier="medium")
    response = client.post(url("policy-try", 1), {"change_number": hidden.number}, HTTP_HX_REQUEST="true")
    assert "No change you may see" in response.content.decode()


@pytest.mark.django_db
def test_the_diff_lists_added_removed_changed_rules_and_moved_bands(client_for, draft, author):
    client = client_for(author)
    client.post(
        url("policy-rule-save", draft.version),
        {"name": "weekend", "kind": "score", "expression": "start_weekday >= 5", "weight": 30, "position": 3},
    )
    client.post(
        url("policy-rule-save", draft.version),
        {"name": "production", "kind": "score", "expression": "is_production", "weight": 45, "position": 0},
    )
    client.post(url("policy-rule-delete", draft.version, draft.rules.get(name="big diff").pk))
    client.post(url("policy-update", draft.version), {"name": "D", "medium_from": 30, "high_from": 70})
    body = client.get(url("policy-diff"), {"a": 1, "b": draft.version}).content.decode()
    assert "+ <strong>weekend</strong>" in body and "− <strong>big diff</strong>" in body
    assert "<td>production</td><td>weight</td>" in body and "<code>high_from</code>: 60 → 70" in body


@pytest.mark.django_db
def test_activation_from_the_page_by_a_second_manager(client_for, draft, reviewer, author):
    assert "Activate version" in client_for(reviewer).get(url("policy-detail", draft.version)).content.decode()
    refused = client_for(author).post(url("policy-activate", draft.version), {"comment": "mine"})
    assert "Four eyes" in refused.content.decode()
    response = client_for(reviewer).post(url("policy-activate", draft.version), {"comment": "Reviewed"})
    assert response.status_code == 302
    assert RiskPolicy.objects.get(is_active=True) == draft


@pytest.mark.django_db
def test_a_past_change_becomes_a_test_case_of_the_authors_draft(client_for, v1, author):
    change = ChangeFactory(
        attributes={"is_production": True, "tests_failed": 3}, tier="high", scored_at="2026-01-01T00:00Z"
    )
    change.policy = v1
    change.save()
    page = client_for(author).get(change.get_absolute_url()).content.decode()
    assert "Policy version 1 as it was" in page and "Add to my draft policy" in page
    response = client_for(author).post(url("change-test-case", change.number), {"expected_tier": "medium"})
    draft = RiskPolicy.objects.get(activated_at__isnull=True)
    assert response.status_code == 302 and response.url == draft.get_absolute_url()
    case = draft.test_cases.get(source_change=change)
    assert case.attributes == {"is_production": True, "tests_failed": 3} and case.expected_tier == "medium"


@pytest.mark.django_db
def test_backtest_page_shows_progress_then_the_result_and_filters(client_for, v1, author):
    ChangeFactory(attributes={"is_production": True, "diff_lines": 900}, tier="medium", scored_at="2026-11-01T00:00Z")
    client = client_for(author)
    response = client.post(url("policy-backtest-start", 1), {"days": 3650})
    backtest = PolicyBacktest.objects.get()
    assert response.status_code == 302
    polling = client.get(url("policy-backtest", 1, backtest.pk), HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in polling and "<html" not in polling
    backtest_run(backtest_id=backtest.pk)
    done = client.get(url("policy-backtest", 1, backtest.pk), HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"
    page = client.get(url("policy-backtest", 1, backtest.pk)).content.decode()
    assert "<strong>1</strong> of 1 changes would change tier" in page
    none = client.get(url("policy-backtest", 1, backtest.pk), {"region": "moved", "new": "low"}, HTTP_HX_REQUEST="true")
    assert "None." in none.content.decode()


@pytest.mark.django_db
def test_policy_list_query_count_does_not_grow(client_for, author, django_assert_max_num_queries, v1):
    from tests.changes.policy.conftest import make_sealed

    client = client_for(author)
    client.get(url("policy-list"))
    for version in range(2, 6):
        make_sealed(version, active=False)
    with django_assert_max_num_queries(12):
        assert client.get(url("policy-list")).status_code == 200


@pytest.mark.django_db
def test_edit_fills_the_rule_form_with_the_rule(client_for, draft, author):
    rule = draft.rules.get(name="big diff")
    body = client_for(author).get(url("policy-detail", draft.version), {"rule": rule.pk}).content.decode()
    assert 'value="big diff"' in body and "diff_lines &gt; 500</textarea>" in body
    assert client_for(author).get(url("policy-detail", draft.version), {"rule": "x"}).status_code == 200
