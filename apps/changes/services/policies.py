"""Writes of policies and windows: rules are checked before they are stored; windows by managers only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from apps.accounts.models import validate_timezone
from apps.changes.choices import RuleKind, WindowKind
from apps.changes.models import PolicyRule, RiskPolicy, Window
from apps.changes.permissions import is_change_manager
from apps.changes.policy import rule_check
from apps.changes.windows import rrule_check
from apps.core.services import audit_record


@transaction.atomic
def policy_rule_save(
    *,
    policy: RiskPolicy,
    name: str,
    expression: str,
    weight: int = 0,
    kind: str = RuleKind.SCORE,
    position: int = 0,
    description: str = "",
    actor: Any = None,
) -> PolicyRule:
    """Add or replace (by name) one rule of ``policy`` after checking it (apps.changes.policy.rules)."""
    if kind not in RuleKind.values:
        raise ValidationError({"kind": f"Choose one of: {', '.join(RuleKind.values)}."})
    try:
        expression = rule_check(expression)
    except ValidationError as exc:
        raise ValidationError({"expression": exc.messages}) from exc
    rule, created = PolicyRule.objects.update_or_create(
        policy=policy,
        name=name.strip(),
        defaults={
            "expression": expression,
            "weight": weight,
            "kind": kind,
            "position": position,
            "description": description,
        },
    )
    audit_record(target=policy, verb="rule_saved", actor=actor, rule=rule.name, expression=expression, weight=weight)
    return rule


@transaction.atomic
def window_create(
    *,
    actor: Any,
    kind: str,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    timezone: str = "UTC",
    reason: str = "",
    rrule: str = "",
    services: list[Any] | None = None,
    environments: list[Any] | None = None,
    all_services: bool = False,
) -> Window:
    """A freeze or maintenance window (managers and administrators); ValidationError keyed by field."""
    if actor is not None and not is_change_manager(actor):
        raise PermissionDenied("Only managers and administrators create windows.")
    errors: dict[str, Any] = {}
    if kind not in WindowKind.values:
        errors["kind"] = f"Choose one of: {', '.join(WindowKind.values)}."
    if not title.strip():
        errors["title"] = "Give the window a title."
    if ends_at <= starts_at:
        errors["ends_at"] = "The end must come after the start."
    if not all_services and not services:
        errors["services"] = "Choose services, or apply the window to all services."
    try:
        validate_timezone(timezone)
        rrule = rrule_check(rrule)
    except ValidationError as exc:
        errors.update(exc.error_dict if hasattr(exc, "error_dict") else {"timezone": exc.messages})
    if errors:
        raise ValidationError(errors)
    window = Window.objects.create(
        kind=kind,
        title=title.strip(),
        reason=reason,
        all_services=all_services,
        timezone=timezone,
        starts_at=starts_at,
        ends_at=ends_at,
        rrule=rrule,
        created_by=actor,
    )
    window.services.set(services or [])
    window.environments.set(environments or [])
    audit_record(target=window, verb="created", actor=actor, kind=kind, title=window.title, rrule=rrule)
    return window
