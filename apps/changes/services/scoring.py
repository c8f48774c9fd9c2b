"""Scoring a change: measure its attributes, assess them with the active policy, store the decision."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.utils import timezone

from apps.accounts.models import User
from apps.catalog.choices import Criticality
from apps.catalog.models import Service
from apps.changes import selectors
from apps.changes.choices import Tier
from apps.changes.models import Change, RiskPolicy
from apps.changes.policy import Assessment, PolicySpec, RuleSpec, assess
from apps.changes.policy.attributes import snapshot
from apps.changes.windows import WindowSpec, in_maintenance, window_specs
from apps.core.services import audit_record

CRITICALITY_RANK: dict[str, int] = {
    Criticality.LOW: 0,
    Criticality.MEDIUM: 1,
    Criticality.HIGH: 2,
    Criticality.CRITICAL: 3,
}


def policy_spec(policy: RiskPolicy) -> PolicySpec:
    """The policy as the engine's data: score rules and required checks, in their order."""
    rules = sorted(policy.rules.all(), key=lambda rule: (rule.position, rule.pk))
    return PolicySpec(
        version=policy.version,
        rules=tuple(RuleSpec(r.name, r.expression, r.weight) for r in rules if r.kind == "score"),
        checks=tuple(RuleSpec(r.name, r.expression) for r in rules if r.kind == "check"),
        medium_from=policy.medium_from,
        high_from=policy.high_from,
    )


# Sealed (activated) versions never change: the database refuses it (migration 0003's triggers). So the active
# version's spec is built once per process; a draft's is built each time, since its author may be editing it.
# Keyed by (pk, activation time): a pk alone may name another policy after a rolled-back transaction on SQLite.
_SEALED_SPECS: dict[tuple[int, dt.datetime], PolicySpec] = {}


def sealed_policy_spec(policy: RiskPolicy) -> PolicySpec:
    """policy_spec of an activated version, kept per process; a draft's, built anew."""
    if policy.activated_at is None:
        return policy_spec(policy)
    key = (policy.pk, policy.activated_at)
    spec = _SEALED_SPECS.get(key)
    if spec is None:
        spec = _SEALED_SPECS[key] = policy_spec(policy)
    return spec


def _most_critical(services: list[Service]) -> Service | None:
    ranked = sorted(services, key=lambda s: (-CRITICALITY_RANK.get(s.criticality, 1), s.name))
    return ranked[0] if ranked else None


def _timing(change: Change, services: list[Service]) -> dict[str, int]:
    """Weekday and hour of the planned start in the time zone of the most critical service's owner team."""
    service = _most_critical(services)
    zone = zoneinfo.ZoneInfo(service.owner_team.timezone if service else "UTC")
    start = change.planned_start.astimezone(zone)
    minutes = int((change.planned_end - change.planned_start).total_seconds() // 60)
    return {"start_weekday": start.weekday(), "start_hour": start.hour, "duration_minutes": minutes}


def _service_history(change: Change, service_ids: list[int]) -> dict[str, Any]:
    history = selectors.service_history(service_ids, exclude_id=change.pk)
    return {
        "service_changes_30d": history.changes_30d,
        "service_failure_rate_30d": history.failure_rate_30d,
        "open_incidents": 0,  # until apps.incidents exists
    }


def change_attributes(
    change: Change, services: list[Service] | None = None, windows: list[WindowSpec] | None = None
) -> dict[str, Any]:
    """The typed attribute snapshot policy rules see (apps.changes.policy.attributes documents each).

    ``services``: the change's services, given when the change is not saved yet (``change.services`` needs a row);
    ``windows``: windows.window_specs() when the caller has them.
    """
    services = list(change.services.all()) if services is None else services
    service_ids = [service.pk for service in services]
    top = _most_critical(services)
    criticality = top.criticality if top else Criticality.MEDIUM
    maintenance = in_maintenance(
        window_specs() if windows is None else windows,
        service_ids=service_ids,
        environment_id=change.environment_id,
        start=change.planned_start,
        end=change.planned_end,
    )
    return snapshot(
        {
            "change_type": change.type,
            "environment": change.environment.slug,
            "is_production": change.environment.is_production,
            "service_count": len(services),
            "max_criticality": criticality,
            "criticality_rank": CRITICALITY_RANK.get(criticality, 1),
            "diff_lines": change.diff_lines,
            "files_changed": change.files_changed,
            "paths": change.paths,
            "tests_passed": change.tests_passed,
            "tests_failed": change.tests_failed,
            "tests_skipped": change.tests_skipped,
            "has_rollback_plan": bool(change.rollback_plan.strip()),
            "has_test_evidence": change.has_test_evidence,
            "in_maintenance_window": maintenance,
            "by_pipeline": change.by_pipeline,
            **_timing(change, services),
            **_service_history(change, service_ids),
        }
    )


def _no_policy(values: dict[str, Any]) -> Assessment:
    """Without an active policy nothing can be judged safe: high, with the reason shown (fail closed)."""
    error = {"name": "no active policy", "expression": "", "weight": 0, "contribution": 0}
    error["error"] = "No risk policy is active; an administrator must activate one."
    return Assessment(score=0, tier=Tier.HIGH, policy_version=0, attributes=values, rules_fired=[error])


def change_score(*, change: Change, actor: User | None = None, services: list[Service] | None = None) -> Assessment:
    """Assess ``change`` with the active policy and store the decision with its inputs (and an audit row).

    Called inside the caller's transaction (lifecycle services); writes only the scoring columns. A change not
    inserted yet (lifecycle opens a change in one INSERT) is scored in memory, on the ``services`` given.
    """
    policy = selectors.active_policy()
    stamp = (policy.windows_count, policy.windows_last) if policy else None  # type: ignore[attr-defined]
    values = change_attributes(change, services, window_specs(stamp))
    result = assess(sealed_policy_spec(policy), values) if policy else _no_policy(values)
    fields = {
        "risk_score": result.score,
        "tier": result.tier,
        "policy": policy,
        "policy_version": result.policy_version or None,
        "attributes": result.attributes,
        "rules_fired": result.rules_fired,
        "checks": result.checks,
        "scored_at": timezone.now(),
    }
    if change.pk is not None:
        Change.objects.filter(pk=change.pk).update(**fields)
    for name, value in fields.items():
        setattr(change, name, value)
    audit_record(
        target=change,
        verb="scored",
        actor=actor,
        score=result.score,
        tier=result.tier,
        policy_version=result.policy_version,
        rules_fired=result.rules_fired,
        checks=result.checks,
        attributes=result.attributes,
    )
    return result
