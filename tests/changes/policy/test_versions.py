"""Versions: sealed in the database once activated, drafted from any version, activated by a second person."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from apps.changes.models import PolicyRule, PolicyTestCase, RiskPolicy
from apps.changes.policy_triggers import SQLITE_TRIGGERS
from apps.changes.services.policies import policy_rule_delete, policy_rule_save
from apps.changes.services.versions import (
    PolicySealed,
    policy_activate,
    policy_draft,
    policy_test_case_save,
    policy_tests_run,
    policy_update,
)
from apps.core.models import AuditEvent
from tests.changes.policy.conftest import make_sealed


def refused(callable_):
    with pytest.raises(IntegrityError, match="activated"), transaction.atomic():
        callable_()


@pytest.mark.django_db
def test_the_database_refuses_to_update_an_activated_version_and_its_rules(v1):
    rule = v1.rules.get(name="production")
    refused(lambda: RiskPolicy.objects.filter(pk=v1.pk).update(high_from=99))
    refused(lambda: RiskPolicy.objects.filter(pk=v1.pk).update(activation_comment="rewritten"))
    refused(lambda: PolicyRule.objects.filter(pk=rule.pk).update(weight=0))
    refused(lambda: PolicyRule.objects.create(policy=v1, name="sneaky", expression="true", weight=-100))
    refused(lambda: PolicyTestCase.objects.filter(policy=v1).update(expected_tier="low"))
    if connection.vendor == "postgresql":  # SQLite's flush deletes row by row: no delete guard there
        refused(lambda: PolicyRule.objects.filter(pk=rule.pk).delete())
        refused(lambda: RiskPolicy.objects.filter(pk=v1.pk).delete())
    v1.refresh_from_db()
    assert v1.high_from == 60 and v1.rules.get(name="production").weight == 40


@pytest.mark.django_db
def test_the_database_lets_the_active_flag_move_and_drafts_change(v1, draft):
    RiskPolicy.objects.filter(pk=v1.pk).update(is_active=False)
    RiskPolicy.objects.filter(pk=draft.pk).update(high_from=70)
    PolicyRule.objects.filter(policy=draft, name="production").update(weight=45)
    assert draft.rules.get(name="production").weight == 45


@pytest.mark.django_db
def test_sqlite_carries_every_trigger():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's trigger names")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        names = {row[0] for row in cursor.fetchall()}
    assert set(SQLITE_TRIGGERS) <= names


@pytest.mark.django_db
def test_services_refuse_to_edit_an_activated_version(v1, author):
    with pytest.raises(PolicySealed):
        policy_rule_save(policy=v1, name="x", expression="is_production", weight=1, actor=author)
    with pytest.raises(PolicySealed):
        policy_update(policy=v1, actor=author, name="x", description="", medium_from=1, high_from=2)
    with pytest.raises(PolicySealed):
        policy_rule_delete(rule=v1.rules.first(), actor=author)


@pytest.mark.django_db
def test_a_draft_copies_rules_bands_and_test_cases_with_the_next_number(v1, author):
    draft = policy_draft(source=v1, actor=author)
    assert draft.version == 2 and draft.based_on == v1 and draft.is_draft and not draft.is_active
    assert sorted(draft.rules.values_list("name", flat=True)) == sorted(v1.rules.values_list("name", flat=True))
    assert draft.test_cases.count() == 1 and (draft.medium_from, draft.high_from) == (30, 60)
    assert list(draft.authors.all()) == [author]


@pytest.mark.django_db
def test_a_draft_may_start_from_an_earlier_version(v1, author, reviewer):
    v2 = make_sealed(2, active=False)
    RiskPolicy.objects.filter(pk=v1.pk).update(is_active=False)
    RiskPolicy.objects.filter(pk=v2.pk).update(is_active=True)
    draft = policy_draft(source=v1, actor=author)
    assert draft.based_on == v1 and draft.version == 3


@pytest.mark.django_db
def test_end_users_may_not_draft(v1, end_user):
    with pytest.raises(PermissionDenied):
        policy_draft(source=v1, actor=end_user)


@pytest.mark.django_db
def test_the_author_cannot_activate_and_a_second_manager_can(v1, draft, author, reviewer):
    with pytest.raises(PermissionDenied, match="Four eyes"):
        policy_activate(policy=draft, actor=author, comment="Looks fine")
    policy_activate(policy=draft, actor=reviewer, comment="Reviewed the back-test")
    draft.refresh_from_db()
    v1.refresh_from_db()
    assert draft.is_active and draft.activated_by == reviewer and not v1.is_active
    assert RiskPolicy.objects.filter(is_active=True).count() == 1
    event = AuditEvent.objects.get(verb="activated")
    assert event.actor == reviewer and event.data["comment"] == "Reviewed the back-test"
    assert event.data["authors"] == ["author-mgr"] and event.data["activated_by"] == "reviewer-mgr"
    assert event.data["previous_version"] == 1


@pytest.mark.django_db
def test_whoever_edited_a_draft_may_not_activate_it(draft, reviewer, author):
    policy_rule_save(policy=draft, name="weekend", expression="start_weekday >= 5", weight=5, actor=reviewer)
    with pytest.raises(PermissionDenied):
        policy_activate(policy=draft, actor=reviewer, comment="mine")


@pytest.mark.django_db
def test_activation_is_refused_while_a_test_case_fails(draft, author, reviewer):
    policy_rule_save(policy=draft, name="production", expression="is_production", weight=70, actor=author)
    assert [r.passed for r in policy_tests_run(draft)] == [False]
    with pytest.raises(ValidationError) as excinfo:
        policy_activate(policy=draft, actor=reviewer, comment="ok")
    assert "prod is medium" in str(excinfo.value.message_dict["tests"])
    draft.refresh_from_db()
    assert draft.is_draft and not draft.is_active


@pytest.mark.django_db
def test_activation_needs_a_comment_and_a_test_case(v1, author, reviewer):
    draft = policy_draft(source=v1, actor=author)
    draft.test_cases.all().delete()
    with pytest.raises(ValidationError) as excinfo:
        policy_activate(policy=draft, actor=reviewer, comment=" ")
    assert set(excinfo.value.message_dict) == {"comment", "tests"}


@pytest.mark.django_db
def test_an_activated_version_cannot_be_activated_again(draft, reviewer):
    policy_activate(policy=draft, actor=reviewer, comment="ok")
    with pytest.raises(PolicySealed):
        policy_activate(policy=draft, actor=reviewer, comment="again")


@pytest.mark.django_db
def test_test_cases_check_tier_and_fired_rules(draft, author):
    policy_test_case_save(policy=draft, actor=author, name="big prod", expected_tier="high",
                          attributes={"is_production": True, "diff_lines": 900},
                          expected_rules=["production", "big diff"])  # fmt: skip
    policy_test_case_save(policy=draft, actor=author, name="wrong rules", expected_tier="low",
                          attributes={"diff_lines": 900}, expected_rules=[])  # fmt: skip
    results = {r.case.name: r for r in policy_tests_run(draft)}
    assert results["big prod"].passed and results["big prod"].score == 65
    assert results["wrong rules"].reasons == ["fired big diff, expected none"]


@pytest.mark.django_db
def test_test_case_attributes_are_checked_against_the_documented_types(draft, author):
    with pytest.raises(ValidationError) as excinfo:
        policy_test_case_save(policy=draft, actor=author, name="bad", expected_tier="extreme",
                              attributes={"is_production": "yes", "nope": 1, "diff_lines": -3})  # fmt: skip
    errors = excinfo.value.message_dict
    assert "expected_tier" in errors
    text = " ".join(errors["attributes"])
    assert "is_production: Expected bool" in text and "nope: Not a documented" in text and "diff_lines" in text
