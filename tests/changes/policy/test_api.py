"""The policy API with and without rights: versions, drafts, rules, test cases, run tests, back-test, activate."""

import pytest

from apps.changes.models import PolicyBacktest, RiskPolicy
from apps.changes.services.backtest import backtest_run
from tests.changes.test_api import token_client

BASE = "/api/v1/policy-versions/"


def post(client, path, body):
    return client.post(BASE + path, body, content_type="application/json")


@pytest.mark.django_db
def test_reading_versions_needs_a_signed_in_caller_and_hides_drafts(client, v1, draft, end_user, author):
    assert client.get(BASE).status_code == 401
    versions = [row["version"] for row in token_client(end_user).get(BASE).json()]
    assert versions == [1]
    assert token_client(end_user).get(f"{BASE}{draft.version}/").status_code == 404
    body = token_client(author).get(f"{BASE}{draft.version}/").json()
    assert body["state"] == "draft" and body["based_on"] == 1 and body["authors"] == ["author-mgr"]
    assert {rule["name"] for rule in body["rules"]} == {"production", "failing tests", "big diff", "tests green"}


@pytest.mark.django_db
def test_end_users_and_read_only_tokens_may_not_write(v1, end_user, author):
    assert post(token_client(end_user), "", {"based_on": 1}).status_code == 403
    assert post(token_client(author, access="read"), "", {"based_on": 1}).status_code == 403
    assert post(token_client(author, scopes=("requests",)), "", {"based_on": 1}).status_code == 403
    assert RiskPolicy.objects.count() == 1


@pytest.mark.django_db
def test_the_whole_journey_through_the_api(v1, author, reviewer):
    mine, theirs = token_client(author), token_client(reviewer)
    created = post(mine, "", {"based_on": 1})
    assert created.status_code == 201
    version = created.json()["version"]
    rule = {"name": "weekend", "expression": "start_weekday >= 5", "weight": 30}
    assert post(mine, f"{version}/rules/", rule).status_code == 200
    case = {"name": "weekend prod", "attributes": {"is_production": True, "start_weekday": 6}, "expected_tier": "high",
            "expected_rules": ["production", "weekend"]}  # fmt: skip
    assert post(mine, f"{version}/test-cases/", case).status_code == 201
    results = mine.get(f"{BASE}{version}/run-tests/").json()
    assert [(r["name"], r["passed"]) for r in results] == [("prod is medium", True), ("weekend prod", True)]

    started = post(mine, f"{version}/backtest/", {"days": 30})
    assert started.status_code == 202 and started.json()["status"] == "pending"
    backtest_run(backtest_id=PolicyBacktest.objects.get().pk)
    assert mine.get(f"{BASE}{version}/backtest/").json()["status"] == "done"

    refused = post(mine, f"{version}/activate/", {"comment": "mine"})
    assert refused.status_code == 403 and "Four eyes" in refused.json()["detail"]
    activated = post(theirs, f"{version}/activate/", {"comment": "Checked the back-test"})
    assert activated.status_code == 200 and activated.json()["state"] == "active"
    assert activated.json()["activated_by"] == "reviewer-mgr"
    assert post(mine, f"{version}/rules/", rule).status_code == 409


@pytest.mark.django_db
def test_bad_input_answers_400_per_field(draft, author):
    client = token_client(author)
    bad_rule = post(client, f"{draft.version}/rules/", {"name": "x", "expression": "nope"})
    assert bad_rule.status_code == 400 and "Unknown attribute" in str(bad_rule.json()["expression"])
    bad_case = post(client, f"{draft.version}/test-cases/", {"name": "x", "attributes": {"diff_lines": "many"},
                                                              "expected_tier": "low"})  # fmt: skip
    assert bad_case.status_code == 400 and "diff_lines" in str(bad_case.json()["attributes"])
    unknown = post(client, "", {"based_on": 99})
    assert unknown.status_code == 400 and "based_on" in unknown.json()
    bands = client.patch(f"{BASE}{draft.version}/", {"name": "x", "medium_from": 50, "high_from": 40},
                         content_type="application/json")  # fmt: skip
    assert bands.status_code == 400 and "high_from" in bands.json()


@pytest.mark.django_db
def test_activation_with_a_failing_test_case_answers_400(draft, author, reviewer):
    post(token_client(author), f"{draft.version}/rules/", {"name": "production", "expression": "is_production",
                                                          "weight": 80})  # fmt: skip
    response = post(token_client(reviewer), f"{draft.version}/activate/", {"comment": "ok"})
    assert response.status_code == 400 and "prod is medium" in str(response.json()["tests"])
