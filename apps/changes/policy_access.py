"""Who may read, draft, edit and activate risk-policy versions, and the scoped reads behind every page.

Signed-in people read every version that was ever activated (a change page links to the version that scored
it); drafts are seen by policy authors only (hidden -> 404). Authors are administrators and the Managers
role (``changes.manage_changes``); a later RACI issue narrows this to the teams of "Change policy definition".
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from apps.accounts.models import User
from apps.changes.models import PolicyBacktest, PolicyTestCase, RiskPolicy
from apps.changes.permissions import is_change_manager


def can_author_policy(user: User | AnonymousUser) -> bool:
    """Draft, edit, test, back-test and (for a version one did not author) activate."""
    return bool(user.is_authenticated and is_change_manager(user))


def policy_queryset_for(user: User | AnonymousUser) -> QuerySet[RiskPolicy]:
    """The versions ``user`` may see, newest first."""
    if not user.is_authenticated:
        return RiskPolicy.objects.none()
    versions = RiskPolicy.objects.select_related("created_by", "activated_by", "based_on").order_by("-version")
    if can_author_policy(user):
        return versions
    return versions.filter(Q(activated_at__isnull=False) | Q(is_active=True))


def get_policy_for_user(user: User | AnonymousUser, version: int, *, for_edit: bool = False) -> RiskPolicy:
    """The version if ``user`` may see it (else 404); ``for_edit`` also needs authoring rights (403)."""
    policy = get_object_or_404(policy_queryset_for(user), version=version)
    if for_edit and not can_author_policy(user):
        raise PermissionDenied("Only administrators and managers edit risk policies.")
    return policy


def policy_rules(policy: RiskPolicy) -> list[dict[str, object]]:
    """The rules as plain data, in scoring order (what the diff and the API compare)."""
    return [
        {"name": r.name, "kind": r.kind, "expression": r.expression, "weight": r.weight, "description": r.description}
        for r in policy.rules.order_by("kind", "position", "id")
    ]


def policy_test_cases(policy: RiskPolicy) -> QuerySet[PolicyTestCase]:
    return policy.test_cases.select_related("source_change").order_by("name", "id")


def latest_backtest(policy: RiskPolicy) -> PolicyBacktest | None:
    return policy.backtests.order_by("-created_at", "-id").first()


def get_backtest_for_user(user: User | AnonymousUser, version: int, pk: int) -> PolicyBacktest:
    policy = get_policy_for_user(user, version)
    return get_object_or_404(PolicyBacktest.objects.select_related("policy"), policy=policy, pk=pk)
