"""Writes of risk-policy versions: drafting, editing bands, test cases, and the four-eyes activation.

An activated version is sealed: these services refuse to touch it and the database refuses too
(apps.changes.policy_triggers). Every write lands on the version's audit trail with its actor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.changes.choices import Tier
from apps.changes.models import Change, PolicyRule, PolicyTestCase, RiskPolicy
from apps.changes.policy import assess
from apps.changes.policy.attributes import snapshot, value_errors
from apps.changes.policy_access import can_author_policy
from apps.changes.services.scoring import policy_spec
from apps.core.services import audit_record

MAX_TEST_CASES = 200


class PolicySealed(Exception):
    """The version was activated: nothing of it may change any more."""

    message = "This version was activated and cannot be changed; draft a new version from it."

    def __init__(self) -> None:
        super().__init__(self.message)


def check_author(actor: User | None) -> None:
    if actor is not None and not can_author_policy(actor):
        raise PermissionDenied("Only administrators and managers edit risk policies.")


def check_draft(policy: RiskPolicy) -> None:
    """PolicySealed unless ``policy`` is a draft: never activated, and not the active version either."""
    if policy.activated_at is not None or policy.is_active:
        raise PolicySealed


def _touch(policy: RiskPolicy, actor: User | None) -> None:
    if actor is not None:
        policy.authors.add(actor)


@transaction.atomic
def policy_draft(*, source: RiskPolicy, actor: User, name: str = "") -> RiskPolicy:
    """A new draft, copying ``source``'s bands, rules and test cases; its number is the next free version."""
    check_author(actor)
    # Locks the newest row so that two concurrent drafts do not both take the next number.
    newest = RiskPolicy.objects.select_for_update().order_by("-version").first()
    version = (newest.version if newest else 0) + 1
    draft = RiskPolicy.objects.create(
        name=name.strip() or source.name, version=version, description=source.description,
        medium_from=source.medium_from, high_from=source.high_from, based_on=source, created_by=actor,
    )  # fmt: skip
    PolicyRule.objects.bulk_create(
        PolicyRule(policy=draft, kind=r.kind, name=r.name, description=r.description, expression=r.expression,
                   weight=r.weight, position=r.position)
        for r in source.rules.all()
    )  # fmt: skip
    PolicyTestCase.objects.bulk_create(
        PolicyTestCase(policy=draft, name=t.name, attributes=t.attributes, expected_tier=t.expected_tier,
                       expected_rules=t.expected_rules, source_change_id=t.source_change_id, created_by=t.created_by)
        for t in source.test_cases.all()
    )  # fmt: skip
    draft.authors.add(actor)
    audit_record(target=draft, verb="drafted", actor=actor, version=version, based_on=source.version)
    return draft


@transaction.atomic
def policy_update(
    *, policy: RiskPolicy, actor: User, name: str, description: str, medium_from: int, high_from: int
) -> RiskPolicy:
    """Name, description and tier bands of a draft; ValidationError keyed by field."""
    check_author(actor)
    check_draft(policy)
    errors = {}
    if not name.strip():
        errors["name"] = "Give the policy a name."
    if high_from <= medium_from:
        errors["high_from"] = "High must start above medium."
    if errors:
        raise ValidationError(errors)
    before = {"medium_from": policy.medium_from, "high_from": policy.high_from}
    policy.name, policy.description = name.strip(), description
    policy.medium_from, policy.high_from = medium_from, high_from
    policy.save(update_fields=["name", "description", "medium_from", "high_from"])
    _touch(policy, actor)
    audit_record(target=policy, verb="edited", actor=actor, bands_before=before, medium_from=medium_from,
                 high_from=high_from)  # fmt: skip
    return policy


@transaction.atomic
def policy_delete_draft(*, policy: RiskPolicy, actor: User) -> None:
    check_author(actor)
    check_draft(policy)
    audit_record(target=policy, verb="draft_deleted", actor=actor, version=policy.version)
    policy.delete()


@transaction.atomic
def policy_test_case_save(
    *,
    policy: RiskPolicy,
    actor: User,
    name: str,
    attributes: dict[str, Any],
    expected_tier: str,
    expected_rules: list[str] | None = None,
    source_change: Change | None = None,
) -> PolicyTestCase:
    """Add or replace (by name) a test case of a draft; ValidationError keyed by field."""
    check_author(actor)
    check_draft(policy)
    errors: dict[str, Any] = {}
    if not name.strip():
        errors["name"] = "Name the test case."
    if expected_tier not in Tier.values:
        errors["expected_tier"] = f"Choose one of: {', '.join(Tier.values)}."
    if not isinstance(attributes, dict):
        errors["attributes"] = "Give the attributes as an object of name: value."
    elif bad := value_errors(attributes):
        errors["attributes"] = [f"{key}: {message}" for key, message in bad.items()]
    if expected_rules is not None and not all(isinstance(rule, str) for rule in expected_rules):
        errors["expected_rules"] = "Give the names of the score rules expected to fire."
    if policy.test_cases.exclude(name=name.strip()).count() >= MAX_TEST_CASES:
        errors["name"] = f"A version holds at most {MAX_TEST_CASES} test cases."
    if errors:
        raise ValidationError(errors)
    case, _created = PolicyTestCase.objects.update_or_create(
        policy=policy, name=name.strip(),
        defaults={"attributes": attributes, "expected_tier": expected_tier, "expected_rules": expected_rules,
                  "source_change": source_change, "created_by": actor},
    )  # fmt: skip
    _touch(policy, actor)
    audit_record(target=policy, verb="test_case_saved", actor=actor, test_case=case.name, expected_tier=expected_tier)
    return case


@transaction.atomic
def policy_test_case_delete(*, case: PolicyTestCase, actor: User) -> None:
    check_author(actor)
    check_draft(case.policy)
    audit_record(target=case.policy, verb="test_case_deleted", actor=actor, test_case=case.name)
    case.delete()


def draft_for_test_case(actor: User) -> RiskPolicy:
    """The actor's newest draft, else a new one from the active version (where a past change's case goes)."""
    draft = (
        RiskPolicy.objects.filter(activated_at__isnull=True, is_active=False, authors=actor)
        .order_by("-version")
        .first()
    )
    if draft is not None:
        return draft
    active = RiskPolicy.objects.filter(is_active=True).first()
    if active is None:
        raise ValidationError("No version is active to draft from.")
    return policy_draft(source=active, actor=actor)


@transaction.atomic
def policy_test_case_from_change(
    *, change: Change, actor: User, expected_tier: str, policy: RiskPolicy | None = None, name: str = ""
) -> PolicyTestCase:
    """A test case from a past change's stored attribute snapshot and the tier a person says it should get."""
    check_author(actor)
    if not change.attributes:
        raise ValidationError("This change was never scored: it has no attribute snapshot.")
    policy = policy or draft_for_test_case(actor)
    defaults = snapshot({})
    values = {key: value for key, value in snapshot(change.attributes).items() if value != defaults[key]}
    return policy_test_case_save(
        policy=policy, actor=actor, name=name or f"{change.number} {change.title}"[:120], attributes=values,
        expected_tier=expected_tier, source_change=change,
    )  # fmt: skip


@dataclass(frozen=True)
class TestResult:
    case: PolicyTestCase
    score: int
    tier: str
    fired: list[str]
    reasons: list[str]

    __test__ = False  # not a pytest class

    @property
    def passed(self) -> bool:
        return not self.reasons


def policy_tests_run(policy: RiskPolicy) -> list[TestResult]:
    """Every test case of ``policy`` assessed with it: tier and (where given) the score rules that fired."""
    spec = policy_spec(policy)
    results = []
    for case in policy.test_cases.select_related("source_change").order_by("name", "id"):
        outcome = assess(spec, case.attributes)
        fired = [rule["name"] for rule in outcome.rules_fired]
        reasons = []
        if outcome.tier != case.expected_tier:
            reasons.append(f"tier {outcome.tier}, expected {case.expected_tier}")
        if case.expected_rules is not None and sorted(fired) != sorted(case.expected_rules):
            reasons.append(
                f"fired {', '.join(fired) or 'no rule'}, expected {', '.join(case.expected_rules) or 'none'}"
            )
        results.append(TestResult(case, outcome.score, outcome.tier, fired, reasons))
    return results


@transaction.atomic
def policy_activate(*, policy: RiskPolicy, actor: User, comment: str) -> RiskPolicy:
    """Make a draft the one active version: a second author (never one of the draft's), with every test passing.

    The previous version is deactivated in the same transaction (the one-active constraint holds throughout);
    the audit trail records both names and the comment.
    """
    check_author(actor)
    check_draft(policy)
    if policy.authors.filter(pk=actor.pk).exists() or policy.created_by_id == actor.pk:
        raise PermissionDenied("Four eyes: someone who did not draft or edit this version must activate it.")
    errors: dict[str, str] = {}
    if not comment.strip():
        errors["comment"] = "Say why this version should be activated."
    results = policy_tests_run(policy)
    if not results:
        errors["tests"] = "Add at least one test case before activating."
    elif failing := [r.case.name for r in results if not r.passed]:
        errors["tests"] = f"Test cases fail: {', '.join(failing)}."
    if errors:
        raise ValidationError(errors)
    previous = RiskPolicy.objects.select_for_update().filter(is_active=True).first()
    RiskPolicy.objects.filter(is_active=True).update(is_active=False)
    now = timezone.now()
    moved = RiskPolicy.objects.filter(pk=policy.pk, activated_at__isnull=True).update(
        is_active=True, activated_at=now, activated_by=actor, activation_comment=comment.strip()
    )
    if moved != 1:
        raise PolicySealed
    policy.refresh_from_db()
    authors = sorted(user.username for user in policy.authors.all())
    audit_record(
        target=policy, verb="activated", actor=actor, comment=policy.activation_comment, activated_by=actor.username,
        authors=authors, previous_version=previous.version if previous else None, tests=len(results),
    )  # fmt: skip
    if previous is not None:
        audit_record(target=previous, verb="deactivated", actor=actor, replaced_by=policy.version)
    return policy


@transaction.atomic
def policy_seal_initial(*, policy: RiskPolicy, comment: str = "The initial version.") -> RiskPolicy:
    """Activate the very first version without a second person (installation, the demo's seed): there is no
    active version to protect yet. Refused once any version was ever activated."""
    check_draft(policy)
    if RiskPolicy.objects.filter(activated_at__isnull=False).exists():
        raise PermissionDenied("A version was activated before: activate drafts with four eyes.")
    RiskPolicy.objects.filter(is_active=True).update(is_active=False)
    RiskPolicy.objects.filter(pk=policy.pk).update(
        is_active=True, activated_at=timezone.now(), activation_comment=comment
    )
    policy.refresh_from_db()
    audit_record(target=policy, verb="activated", actor=None, comment=comment, authors=[], initial=True)
    return policy
