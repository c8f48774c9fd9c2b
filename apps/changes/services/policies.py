"""Writes of policies and windows: rules are checked before they are stored; windows by managers only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from apps.accounts.models import User, validate_timezone
from apps.changes.choices import RuleKind, WindowKind
from apps.changes.models import PolicyRule, RiskPolicy, Window
from apps.changes.permissions import is_change_manager
from apps.changes.policy import rule_check
from apps.changes.services.versions import check_author, check_draft
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
    actor: User | None = None,
) -> PolicyRule:
    """Add or replace (by name) one rule of a draft ``policy`` after checking it (apps.changes.policy.rules).

    ``actor`` None is the system (the demo's seed); a person must be a policy author and joins the draft's
    authors, who may not activate it (services.versions.policy_activate).
    """
    check_author(actor)
    check_draft(policy)
    errors = {}
    if kind not in RuleKind.values:
        errors["kind"] = f"Choose one of: {', '.join(RuleKind.values)}."
    if not name.strip():
        errors["name"] = "Name the rule."
    if errors:
        raise ValidationError(errors)
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
    if actor is not None:
        policy.authors.add(actor)
    audit_record(target=policy, verb="rule_saved", actor=actor, rule=rule.name, expression=expression, weight=weight)
    return rule


@transaction.atomic
def policy_rule_delete(*, rule: PolicyRule, actor: User) -> None:
    """Remove one rule of a draft."""
    check_author(actor)
    check_draft(rule.policy)
    rule.policy.authors.add(actor)
    audit_record(target=rule.policy, verb="rule_deleted", actor=actor, rule=rule.name)
    rule.delete()


def _window_clean(values: dict[str, Any]) -> dict[str, Any]:
    """The window's fields checked (ValidationError keyed by field) and normalised: title trimmed, RRULE bare."""
    errors: dict[str, Any] = {}
    if values["kind"] not in WindowKind.values:
        errors["kind"] = f"Choose one of: {', '.join(WindowKind.values)}."
    if not values["title"].strip():
        errors["title"] = "Give the window a title."
    if values["ends_at"] <= values["starts_at"]:
        errors["ends_at"] = "The end must come after the start."
    if not values["all_services"] and not values["services"]:
        errors["services"] = "Choose services, or apply the window to all services."
    try:
        validate_timezone(values["timezone"])
        values["rrule"] = rrule_check(values["rrule"])
    except ValidationError as exc:
        errors.update(exc.error_dict if hasattr(exc, "error_dict") else {"timezone": exc.messages})
    if errors:
        raise ValidationError(errors)
    return {**values, "title": values["title"].strip()}


def _check_manager(actor: User | None, verb: str) -> None:
    if actor is not None and not is_change_manager(actor):
        raise PermissionDenied(f"Only managers and administrators {verb} windows.")


@transaction.atomic
def window_create(
    *,
    actor: User | None,
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
    _check_manager(actor, "create")
    values = _window_clean(
        {
            "kind": kind, "title": title, "starts_at": starts_at, "ends_at": ends_at, "timezone": timezone,
            "reason": reason, "rrule": rrule, "services": services or [], "all_services": all_services,
        }
    )  # fmt: skip
    services = values.pop("services")
    window = Window.objects.create(**values, created_by=actor)
    window.services.set(services)
    window.environments.set(environments or [])
    audit_record(target=window, verb="created", actor=actor, kind=kind, title=window.title, rrule=window.rrule)
    return window


WINDOW_FIELDS = ("kind", "title", "reason", "all_services", "timezone", "starts_at", "ends_at", "rrule", "is_active")


@transaction.atomic
def window_update(*, window: Window, actor: User | None, **values: Any) -> Window:
    """Edit a window (managers and administrators): the fields given are written; ValidationError keyed by field.

    The gate sees the edit at once: saving bumps ``updated_at``, part of its window cache key (windows.window_specs).
    """
    _check_manager(actor, "edit")
    unknown = sorted(set(values) - {*WINDOW_FIELDS, "services", "environments"})
    if unknown:
        raise ValidationError({name: "This field cannot be edited." for name in unknown})
    current = {name: getattr(window, name) for name in WINDOW_FIELDS} | {"services": list(window.services.all())}
    merged = _window_clean({**current, **{k: v for k, v in values.items() if k != "environments"}})
    services, environments = merged.pop("services"), values.get("environments")
    changed = [name for name in WINDOW_FIELDS if merged[name] != current[name]]
    for name in changed:
        setattr(window, name, merged[name])
    if changed:
        window.save()
    if {s.pk for s in services} != {s.pk for s in current["services"]}:
        window.services.set(services)
        changed.append("services")
    if environments is not None and {e.pk for e in environments} != {e.pk for e in window.environments.all()}:
        window.environments.set(environments)
        changed.append("environments")
    if changed:
        audit_record(target=window, verb="edited", actor=actor, fields=changed)
    return window
