"""The demo's change enablement: environments, the advisory board, the default policy, windows, templates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from apps.demo.data import WEEKDAYS

# slug -> (name, is production); the order is the environments' position.
ENVIRONMENTS: list[tuple[str, str, bool]] = [
    ("development", "Development", False),
    ("staging", "Staging", False),
    ("production", "Production", True),
]

CAB_TEAM: dict[str, Any] = {
    "slug": "change-advisory-board",
    "name": "Change advisory board",
    "description": "Approves high-risk and emergency changes when an owner team's manager cannot.",
    "timezone": "Europe/Amsterdam",
    "workday_start": dt.time(9, 0),
    "workday_end": dt.time(17, 30),
    "working_days": WEEKDAYS,
}
CAB_MEMBERS = ["manager", "ines.moreau", "noah.schmidt"]

POLICY: dict[str, Any] = {
    "name": "Default change policy",
    "version": 1,
    "medium_from": 30,
    "high_from": 60,
    "description": "Production, critical services, failing tests and big diffs raise the risk; "
    "maintenance windows lower it. Medium needs a peer, high a manager or the board.",
}
# name -> (kind, expression, weight, description); the order is the rules' position.
RULES: dict[str, tuple[str, str, int, str]] = {
    "production": ("score", "is_production", 30, "Deploying to production."),
    "critical service": ("score", "criticality_rank >= 3", 15, "A critical service is touched."),
    "failing tests": ("score", "tests_failed > 0", 40, "The pipeline reports failing tests."),
    "big diff": ("score", "diff_lines > 400 || files_changed > 30", 15, "A large change is harder to review."),
    "no rollback plan": ("score", "!has_rollback_plan", 15, "Nobody wrote down how to undo it."),
    "outside working hours": (
        "score",
        "start_weekday >= 5 || start_hour < 8 || start_hour >= 18",
        10,
        "Fewer people are around to help.",
    ),
    "recent failures": ("score", "service_failure_rate_30d > 0.2", 15, "More than 1 in 5 recent changes failed."),
    "maintenance window": ("score", "in_maintenance_window", -20, "Inside an agreed maintenance window."),
    "tests green": ("check", "tests_failed == 0", 0, "No failing test."),
    "rollback plan": ("check", "has_rollback_plan", 0, "A rollback plan is written."),
}

# Windows, by title. Times are the first occurrence, in the platform team's zone (it owns the change policy).
WINDOW_ZONE = "Europe/Amsterdam"
WINDOWS: dict[str, dict[str, Any]] = {
    "Weekend production freeze": {
        "kind": "freeze",
        "reason": "Nobody deploys to production over the weekend: on-call is thin.",
        "all_services": True,
        "environments": ["production"],
        "first": (dt.datetime(2024, 1, 5, 16, 0), dt.datetime(2024, 1, 8, 7, 0)),  # a Friday to the Monday
        "rrule": "FREQ=WEEKLY;BYDAY=FR",
    },
    "Wednesday evening platform maintenance": {
        "kind": "maintenance",
        "reason": "Agreed with the product teams: platform work with users warned in advance.",
        "services": ["kubernetes-platform", "ci-cd-platform"],
        "environments": ["production"],
        "first": (dt.datetime(2024, 1, 3, 19, 0), dt.datetime(2024, 1, 3, 22, 0)),
        "rrule": "FREQ=WEEKLY;BYDAY=WE",
    },
}

TEMPLATES: dict[str, dict[str, Any]] = {
    "scale-deployment": {
        "name": "Scale a deployment",
        "description": "Change the replica count of a deployment within its quota.",
        "implementation_plan": "kubectl scale deployment/<name> --replicas=<n>; watch the rollout.",
        "rollback_plan": "Scale back to the previous replica count.",
        "services": ["kubernetes-platform"],
    },
    "rotate-certificate": {
        "name": "Rotate a certificate",
        "description": "Replace a TLS certificate before it expires.",
        "implementation_plan": "Issue the new certificate, update the secret, reload the ingress.",
        "rollback_plan": "Restore the previous secret version and reload.",
        "services": ["identity-sso", "kubernetes-platform"],
    },
    "feature-flag-flip": {
        "name": "Feature-flag flip",
        "description": "Turn a feature flag on or off for a share of users.",
        "implementation_plan": "Flip the flag in the flag service; watch the error rate for 15 minutes.",
        "rollback_plan": "Flip the flag back.",
        "services": ["ci-cd-platform"],
    },
}

# The token seed_demo writes for the CI examples (ci/): its name, and the scope it carries.
DEMO_CI_KEY_NAME = "demo ci-pipeline"
DEMO_CI_KEY_SCOPES = ["changes"]
DEMO_CI_KEY_FILE = "demo-ci-token"

CI_SYSTEMS = ["github", "gitlab", "jenkins"]
CHANGE_TITLES = [
    "Deploy {service} {version}",
    "Upgrade {service} dependencies",
    "Tune {service} autoscaling",
    "Roll out new {service} configuration",
    "Migrate {service} database schema",
    "Patch {service} for a security advisory",
]
