"""The demo organisation: teams, people, categories, services and catalog items, as plain data.

apps.demo.services reads these tables; natural keys (slugs, usernames) make every seed idempotent.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from apps.accounts.choices import Role
from apps.catalog.choices import ApprovalRule, Criticality
from apps.catalog.selectors import HELP_ITEM_SLUG

WEEKDAYS = [0, 1, 2, 3, 4]

# slug -> team attributes. The first four are the teams of the RACI in PRODUCT.md.
TEAMS: dict[str, dict[str, Any]] = {
    "product-teams": {
        "name": "Product teams",
        "description": "The engineers who build the products; Consulted on most operational activities.",
        "timezone": "Europe/London",
        "workday_start": dt.time(9, 0),
        "workday_end": dt.time(17, 30),
        "working_days": WEEKDAYS,
    },
    "sre": {
        "name": "SRE",
        "description": "Site reliability engineering: incident response, observability, post-incident reviews.",
        "timezone": "Europe/Berlin",
        "workday_start": dt.time(8, 0),
        "workday_end": dt.time(18, 0),
        "working_days": WEEKDAYS,
    },
    "platform": {
        "name": "Platform team",
        "description": "Runs CI/CD, source code hosting, Kubernetes and identity; owns the change policy.",
        "timezone": "Europe/Amsterdam",
        "workday_start": dt.time(9, 0),
        "workday_end": dt.time(17, 30),
        "working_days": WEEKDAYS,
    },
    "service-desk": {
        "name": "Service desk",
        "description": "First line for every request: devices, accounts, email, access.",
        "timezone": "Europe/Paris",
        "workday_start": dt.time(9, 0),
        "workday_end": dt.time(17, 0),
        "working_days": WEEKDAYS,
    },
    "platform-guild": {
        "name": "Platform guild",
        "description": "Open community of practice around the platform. Membership grants no role or visibility.",
        "joinable": True,
        "timezone": "UTC",
        "workday_start": dt.time(9, 0),
        "workday_end": dt.time(17, 0),
        "working_days": WEEKDAYS,
    },
}

# team slug -> username of its manager
TEAM_MANAGERS = {
    "product-teams": "manager",
    "service-desk": "manager",
    "sre": "ines.moreau",
    "platform": "noah.schmidt",
    "platform-guild": "noah.schmidt",
}

DEMO_LOGINS = ["requester", "agent", "manager", "admin"]

# Public holidays the SLA clocks skip (France, where the service desk works), by team.
HOLIDAYS = {
    "service-desk": [
        ("2026-12-25", "Christmas Day"),
        ("2027-01-01", "New Year's Day"),
        ("2027-04-05", "Easter Monday"),
        ("2027-05-01", "Labour Day"),
        ("2027-05-08", "Victory in Europe Day"),
    ],
}

# Ready-made answers the agents of a team insert into a comment, by team.
CANNED_REPLIES = {
    "service-desk": [
        ("Need more detail", "Thanks for your request. Could you tell us a bit more about what you need and by when?"),
        ("Done, please check", "This is done on our side. Could you check that it works for you? Reopen it if not."),
        ("Waiting for approval", "Your request is waiting for your manager's approval; we start as soon as it lands."),
    ],
    "platform": [
        ("Pipeline runbook", "Please follow the pipeline runbook in the knowledge base and tell us where it fails."),
    ],
}

# username -> person. "teams" lists memberships; the first one is the primary team.
PEOPLE: dict[str, dict[str, Any]] = {
    "requester": {"name": "Rosa Martinez", "roles": [Role.END_USER], "teams": ["product-teams"]},
    "agent": {"name": "Adam Okafor", "roles": [Role.AGENT], "teams": ["service-desk", "platform"]},
    "manager": {"name": "Maya Lindqvist", "roles": [Role.MANAGER], "teams": ["product-teams", "service-desk"]},
    "admin": {"name": "Alex Morgan", "roles": [Role.ADMINISTRATOR], "teams": ["platform"], "superuser": True},
    "lena.fischer": {"name": "Lena Fischer", "roles": [Role.END_USER], "teams": ["product-teams"]},
    "tom.nguyen": {"name": "Tom Nguyen", "roles": [Role.END_USER], "teams": ["product-teams", "platform-guild"]},
    "priya.raman": {"name": "Priya Raman", "roles": [Role.END_USER], "teams": ["product-teams"]},
    "jonas.berg": {"name": "Jonas Berg", "roles": [Role.END_USER], "teams": ["product-teams"]},
    "chloe.dubois": {"name": "Chloé Dubois", "roles": [Role.END_USER], "teams": ["product-teams", "platform-guild"]},
    "marco.rossi": {"name": "Marco Rossi", "roles": [Role.END_USER], "teams": ["product-teams"]},
    "sara.kowalski": {"name": "Sara Kowalski", "roles": [Role.END_USER], "teams": ["product-teams"]},
    "david.cohen": {"name": "David Cohen", "roles": [Role.END_USER], "teams": ["product-teams"]},
    "ines.moreau": {"name": "Inès Moreau", "roles": [Role.MANAGER, Role.AGENT], "teams": ["sre"]},
    "kenji.watanabe": {"name": "Kenji Watanabe", "roles": [Role.AGENT], "teams": ["sre", "platform-guild"]},
    "olivia.brown": {"name": "Olivia Brown", "roles": [Role.AGENT], "teams": ["sre"]},
    "lucas.silva": {"name": "Lucas Silva", "roles": [Role.AGENT], "teams": ["sre"]},
    "noah.schmidt": {"name": "Noah Schmidt", "roles": [Role.MANAGER, Role.AGENT], "teams": ["platform"]},
    "fatima.haddad": {"name": "Fatima Haddad", "roles": [Role.AGENT], "teams": ["platform"]},
    "erik.johansson": {"name": "Erik Johansson", "roles": [Role.AGENT], "teams": ["platform", "platform-guild"]},
    "mei.chen": {"name": "Mei Chen", "roles": [Role.AGENT], "teams": ["platform"]},
    "paul.girard": {"name": "Paul Girard", "roles": [Role.AGENT], "teams": ["service-desk"]},
    "amina.diallo": {"name": "Amina Diallo", "roles": [Role.AGENT], "teams": ["service-desk"]},
    "sofia.petrova": {"name": "Sofia Petrova", "roles": [Role.AGENT], "teams": ["service-desk"]},
    "hugo.lefevre": {"name": "Hugo Lefèvre", "roles": [Role.END_USER], "teams": ["product-teams"]},
}

SERVICE_ACCOUNTS: dict[str, dict[str, Any]] = {
    "ci-pipeline": {"name": "CI pipeline", "owner_team": "platform"},
}

CATEGORIES: list[tuple[str, str, str]] = [  # slug, name, description
    ("access", "Access", "Accounts, permissions and credentials."),
    ("hardware", "Hardware", "Laptops, screens and everything on your desk."),
    ("software", "Software", "Licences and tools for your laptop."),
    ("infrastructure", "Infrastructure", "Capacity, environments and platform resources for your services."),
    ("teams-collaboration", "Teams & collaboration", "Teams, mailboxes, calendars and communities."),
    ("observability", "Observability", "Dashboards, alerts and logs."),
    ("help", "Help", "Questions, and anything the catalog does not cover yet."),
]

SERVICES: dict[str, dict[str, Any]] = {
    "ci-cd-platform": {
        "name": "CI/CD platform",
        "description": "Build runners, pipelines and deployment tooling shared by every product team.",
        "owner_team": "platform",
        "criticality": Criticality.HIGH,
        "slo_target": Decimal("99.900"),
        "tags": ["ci", "cd", "pipelines", "runners"],
    },
    "observability": {
        "name": "Observability",
        "description": "Metrics, logs, traces, dashboards and alert routing.",
        "owner_team": "sre",
        "criticality": Criticality.HIGH,
        "slo_target": Decimal("99.500"),
        "tags": ["metrics", "logs", "alerts", "dashboards"],
    },
    "vpn": {
        "name": "VPN",
        "description": "Remote access to the internal network for employees and contractors.",
        "owner_team": "service-desk",
        "criticality": Criticality.HIGH,
        "slo_target": Decimal("99.900"),
        "tags": ["network", "remote", "access"],
    },
    "source-code-hosting": {
        "name": "Source code hosting",
        "description": "Git repositories, code review and repository permissions.",
        "owner_team": "platform",
        "criticality": Criticality.CRITICAL,
        "slo_target": Decimal("99.950"),
        "tags": ["git", "code-review", "repositories"],
    },
    "laptops-devices": {
        "name": "Laptops & devices",
        "description": "Company laptops, screens, peripherals and the software installed on them.",
        "owner_team": "service-desk",
        "criticality": Criticality.MEDIUM,
        "slo_target": Decimal("99.000"),
        "tags": ["hardware", "laptops", "licences"],
    },
    "identity-sso": {
        "name": "Identity & SSO",
        "description": "Single sign-on, multi-factor authentication, groups and team membership.",
        "owner_team": "platform",
        "criticality": Criticality.CRITICAL,
        "slo_target": Decimal("99.990"),
        "tags": ["sso", "mfa", "identity", "saml", "oidc"],
    },
    "kubernetes-platform": {
        "name": "Kubernetes platform",
        "description": "Shared Kubernetes clusters: namespaces, quotas and cluster access.",
        "owner_team": "platform",
        "criticality": Criticality.CRITICAL,
        "slo_target": Decimal("99.950"),
        "tags": ["kubernetes", "containers", "clusters"],
    },
    # The catch-all of "Ask for help": no article is about it, so suggestions come from the whole knowledge base.
    "general-help": {
        "name": "General help",
        "description": "Questions and problems no other service covers; the service desk answers or routes them.",
        "owner_team": "service-desk",
        "criticality": Criticality.LOW,
        "slo_target": Decimal("99.000"),
        "tags": ["help", "questions", "other"],
    },
    "email-calendar": {
        "name": "Email & calendar",
        "description": "Mailboxes, distribution lists, shared calendars and delegation.",
        "owner_team": "service-desk",
        "criticality": Criticality.MEDIUM,
        "slo_target": Decimal("99.900"),
        "tags": ["email", "calendar", "collaboration"],
    },
}


def _choices(*pairs: str) -> list[dict[str, str]]:
    """``_choices("a", "A", "b", "B")`` -> choice dicts, to keep the form tables short."""
    return [{"value": value, "label": label} for value, label in zip(pairs[::2], pairs[1::2], strict=True)]


def _field(name: str, label: str, kind: str, *, required: bool = False, **extra: Any) -> dict[str, Any]:
    return {"name": name, "label": label, "type": kind, "required": required, **extra}


ENVIRONMENTS = _choices("dev", "Development", "staging", "Staging", "prod", "Production")
JUSTIFY = "Why do you need it? Approvers read this."

# slug -> catalog item. "form" is published through apps.catalog.services.item_publish_form.
ITEMS: dict[str, dict[str, Any]] = {
    "join-team": {
        "name": "Join a team",
        "summary": "Become a member of an open team or community of practice.",
        "service": "identity-sso",
        "category": "teams-collaboration",
        "fulfilling_team": "service-desk",
        "delivery_target_hours": Decimal("4"),
        # Fulfilled in seconds by apps.automation's "join-team" action (needs the required "team" field).
        "fulfilment_mode": "automated",
        "automation_action": "join-team",
        "automation_config": {},
        "form": [
            _field(
                "team",
                "Team",
                "team",
                required=True,
                joinable_only=True,
                help_text="Only teams open to everyone are listed.",
            )
        ],
    },
    "vpn-access": {
        "name": "VPN access",
        "summary": "Remote access to the internal network.",
        "service": "vpn",
        "category": "access",
        "fulfilling_team": "service-desk",
        "approval_rule": ApprovalRule.REQUESTER_MANAGER,
        "delivery_target_hours": Decimal("8"),
        "form": [
            _field(
                "profile",
                "Access profile",
                "choice",
                required=True,
                choices=_choices(
                    "employee", "Employee (full tunnel)", "contractor", "Contractor (limited)", "admin", "Network admin"
                ),
            ),
            _field(
                "end_date",
                "Access ends on",
                "date",
                required=True,
                help_text="Contractor access expires.",
                not_before_today=True,
                show_if={"field": "profile", "equals": "contractor"},
            ),
            _field("static_ip", "I need a static IP address", "boolean"),
            _field(
                "static_ip_reason",
                "Why a static IP?",
                "long_text",
                required=True,
                max_length=500,
                show_if={"field": "static_ip", "equals": True},
            ),
            _field("justification", "Justification", "long_text", help_text=JUSTIFY, max_length=1000),
        ],
    },
    "new-laptop": {
        "name": "New laptop",
        "summary": "A new company laptop, set up and enrolled.",
        "service": "laptops-devices",
        "category": "hardware",
        "fulfilling_team": "service-desk",
        "approval_rule": ApprovalRule.REQUESTER_MANAGER,
        "delivery_target_hours": Decimal("40"),
        "form": [
            _field(
                "model",
                "Model",
                "choice",
                required=True,
                choices=_choices(
                    "mbp14",
                    'MacBook Pro 14"',
                    "mbp16",
                    'MacBook Pro 16"',
                    "xps13",
                    "Dell XPS 13",
                    "t14",
                    "ThinkPad T14",
                ),
            ),
            _field(
                "os",
                "Operating system",
                "choice",
                required=True,
                choices=_choices("macos", "macOS", "linux", "Linux", "windows", "Windows"),
            ),
            _field(
                "distro",
                "Linux distribution",
                "choice",
                required=True,
                show_if={"field": "os", "equals": "linux"},
                choices=_choices("ubuntu", "Ubuntu LTS", "fedora", "Fedora", "debian", "Debian"),
            ),
            _field(
                "keyboard",
                "Keyboard layout",
                "choice",
                required=True,
                choices=_choices("us", "US", "uk", "UK", "fr", "French (AZERTY)", "de", "German (QWERTZ)"),
            ),
            _field(
                "accessories",
                "Accessories",
                "multi_choice",
                max=3,
                choices=_choices(
                    "dock", "Docking station", "mouse", "Mouse", "headset", "Headset", "bag", "Laptop bag"
                ),
            ),
            _field("needed_by", "Needed by", "date", required=True, not_before_today=True),
        ],
    },
    "laptop-repair": {
        "name": "Laptop repair or replacement",
        "summary": "Your laptop is broken, slow or damaged.",
        "service": "laptops-devices",
        "category": "hardware",
        "fulfilling_team": "service-desk",
        "delivery_target_hours": Decimal("16"),
        "form": [
            _field(
                "asset_tag",
                "Asset tag",
                "text",
                required=True,
                regex="[A-Z]{2}-[0-9]{5}",
                help_text="On the sticker under the laptop, e.g. LT-01234.",
            ),
            _field("problem", "What happened?", "long_text", required=True, min_length=10, max_length=2000),
            _field("backed_up", "My data is backed up", "boolean"),
            _field("loaner", "I need a loaner laptop meanwhile", "boolean"),
        ],
    },
    "peripherals": {
        "name": "Screen and peripherals",
        "summary": "Monitors, keyboards, mice and headsets.",
        "service": "laptops-devices",
        "category": "hardware",
        "fulfilling_team": "service-desk",
        "delivery_target_hours": Decimal("24"),
        "form": [
            _field(
                "items",
                "What do you need?",
                "multi_choice",
                required=True,
                min=1,
                choices=_choices(
                    "monitor27",
                    '27" monitor',
                    "keyboard",
                    "Keyboard",
                    "mouse",
                    "Mouse",
                    "headset",
                    "Headset",
                    "webcam",
                    "Webcam",
                ),
            ),
            _field("quantity", "Quantity of each", "number", required=True, min=1, max=4),
            _field(
                "location",
                "Delivery location",
                "choice",
                required=True,
                choices=_choices("paris", "Paris office", "london", "London office", "home", "Home address"),
            ),
            _field(
                "address",
                "Home address",
                "long_text",
                required=True,
                max_length=300,
                show_if={"field": "location", "equals": "home"},
            ),
        ],
    },
    "software-licence": {
        "name": "Software licence",
        "summary": "A licence for a commercial tool.",
        "service": "laptops-devices",
        "category": "software",
        "fulfilling_team": "service-desk",
        "approval_rule": ApprovalRule.TEAM,
        "approval_team": "service-desk",
        "delivery_target_hours": Decimal("8"),
        "form": [
            _field(
                "product",
                "Product",
                "choice",
                required=True,
                choices=_choices(
                    "jetbrains",
                    "JetBrains All Products",
                    "figma",
                    "Figma",
                    "office",
                    "Microsoft 365 Apps",
                    "postman",
                    "Postman Enterprise",
                ),
            ),
            _field("seats", "Seats", "number", required=True, min=1, max=25),
            _field("for_user", "For whom (leave empty for yourself)", "user"),
            _field("cost_centre", "Cost centre", "text", required=True, regex="CC-[0-9]{4}"),
        ],
    },
    "software-install": {
        "name": "Install software",
        "summary": "Install an approved tool that needs admin rights.",
        "service": "laptops-devices",
        "category": "software",
        "fulfilling_team": "service-desk",
        "delivery_target_hours": Decimal("4"),
        "form": [
            _field("software", "Software", "text", required=True, max_length=120),
            _field("version", "Version", "text", max_length=40),
            _field("asset_tag", "Asset tag", "text", required=True, regex="[A-Z]{2}-[0-9]{5}"),
        ],
    },
    "repository-create": {
        "name": "New Git repository",
        "summary": "A repository with branch protection and CI wired in.",
        "service": "source-code-hosting",
        "category": "software",
        "fulfilling_team": "platform",
        "delivery_target_hours": Decimal("4"),
        "form": [
            _field(
                "repo_name",
                "Repository name",
                "text",
                required=True,
                regex="[a-z][a-z0-9-]{2,39}",
                help_text="Lower case, digits and dashes.",
            ),
            _field("owner_team", "Owning team", "team", required=True),
            _field(
                "visibility",
                "Visibility",
                "choice",
                required=True,
                choices=_choices("private", "Private", "internal", "Internal", "public", "Public (open source)"),
            ),
            _field(
                "oss_review",
                "Open-source review reference",
                "text",
                required=True,
                show_if={"field": "visibility", "equals": "public"},
                max_length=80,
            ),
            _field("with_ci", "Add the standard CI pipeline", "boolean"),
        ],
    },
    "repository-access": {
        "name": "Repository access",
        "summary": "Read or write access to a repository you do not own.",
        "service": "source-code-hosting",
        "category": "access",
        "fulfilling_team": "platform",
        "approval_rule": ApprovalRule.REQUESTER_MANAGER,
        "delivery_target_hours": Decimal("4"),
        "form": [
            _field("repository", "Repository", "text", required=True, max_length=100),
            _field(
                "role",
                "Role",
                "choice",
                required=True,
                choices=_choices("read", "Read", "write", "Write", "maintain", "Maintain"),
            ),
            _field("until", "Until", "date", help_text="Leave empty for permanent access.", not_before_today=True),
            _field("justification", "Justification", "long_text", help_text=JUSTIFY, max_length=1000),
        ],
    },
    "ci-runner-capacity": {
        "name": "CI runner capacity",
        "summary": "More or bigger build runners for a team.",
        "service": "ci-cd-platform",
        "category": "infrastructure",
        "fulfilling_team": "platform",
        "approval_rule": ApprovalRule.TEAM,
        "approval_team": "platform",
        "delivery_target_hours": Decimal("16"),
        "form": [
            _field(
                "runner_type",
                "Runner type",
                "choice",
                required=True,
                choices=_choices("linux", "Linux x86-64", "arm", "Linux ARM64", "macos", "macOS", "gpu", "GPU"),
            ),
            _field("runners", "Number of runners", "number", required=True, min=1, max=20),
            _field("team", "For team", "team", required=True),
            _field("reason", "What is slow today?", "long_text", required=True, max_length=1000),
        ],
    },
    "pipeline-secret": {
        "name": "Pipeline secret",
        "summary": "Store a credential for a CI/CD pipeline.",
        "service": "ci-cd-platform",
        "category": "access",
        "fulfilling_team": "platform",
        "approval_rule": ApprovalRule.TEAM,
        "approval_team": "sre",
        "delivery_target_hours": Decimal("4"),
        "form": [
            _field("project", "Project", "text", required=True, max_length=100),
            _field("secret_name", "Secret name", "text", required=True, regex="[A-Z][A-Z0-9_]{2,63}"),
            _field("environments", "Environments", "multi_choice", required=True, min=1, choices=ENVIRONMENTS),
            _field("rotation_days", "Rotate every (days)", "number", required=True, min=7, max=365),
        ],
    },
    "k8s-namespace": {
        "name": "Kubernetes namespace",
        "summary": "A namespace with quotas on the shared clusters.",
        "service": "kubernetes-platform",
        "category": "infrastructure",
        "fulfilling_team": "platform",
        "approval_rule": ApprovalRule.TEAM,
        "approval_team": "platform",
        "delivery_target_hours": Decimal("8"),
        "audience_teams": ["product-teams", "sre", "platform"],
        "form": [
            _field("namespace", "Namespace", "text", required=True, regex="[a-z][a-z0-9-]{2,30}"),
            _field("environment", "Environment", "choice", required=True, choices=ENVIRONMENTS),
            _field("cpu", "CPU quota (cores)", "number", required=True, min=1, max=64),
            _field("memory_gb", "Memory quota (GiB)", "number", required=True, min=1, max=256),
            _field("owner_team", "Owning team", "team", required=True),
            _field("pager", "Paged out of hours", "boolean", show_if={"field": "environment", "equals": "prod"}),
        ],
    },
    "k8s-cluster-access": {
        "name": "Kubernetes cluster access",
        "summary": "kubectl access to a shared cluster.",
        "service": "kubernetes-platform",
        "category": "access",
        "fulfilling_team": "platform",
        "approval_rule": ApprovalRule.REQUESTER_MANAGER,
        "delivery_target_hours": Decimal("4"),
        "form": [
            _field(
                "cluster",
                "Cluster",
                "choice",
                required=True,
                choices=_choices("eu-dev", "eu-dev-1", "eu-staging", "eu-staging-1", "eu-prod", "eu-prod-1"),
            ),
            _field(
                "role",
                "Role",
                "choice",
                required=True,
                choices=_choices("view", "View", "edit", "Edit", "admin", "Cluster admin"),
            ),
            _field(
                "admin_reason",
                "Why cluster admin?",
                "long_text",
                required=True,
                max_length=1000,
                show_if={"field": "role", "equals": "admin"},
            ),
        ],
    },
    "dashboard-request": {
        "name": "New dashboard",
        "summary": "A dashboard for a service, built with SRE.",
        "service": "observability",
        "category": "observability",
        "fulfilling_team": "sre",
        "delivery_target_hours": Decimal("16"),
        "form": [
            _field("service_name", "Service", "text", required=True, max_length=100),
            _field(
                "signals",
                "Signals",
                "multi_choice",
                required=True,
                min=1,
                max=4,
                choices=_choices(
                    "latency", "Latency", "traffic", "Traffic", "errors", "Errors", "saturation", "Saturation"
                ),
            ),
            _field("with_alerts", "Also set up alerts", "boolean"),
            _field(
                "oncall_team",
                "On-call team for alerts",
                "team",
                required=True,
                show_if={"field": "with_alerts", "equals": True},
            ),
            _field("notes", "Anything else", "long_text", max_length=2000),
        ],
    },
    "alert-routing": {
        "name": "Alert routing change",
        "summary": "Send an alert to another team or channel.",
        "service": "observability",
        "category": "observability",
        "fulfilling_team": "sre",
        "approval_rule": ApprovalRule.TEAM,
        "approval_team": "sre",
        "delivery_target_hours": Decimal("4"),
        "form": [
            _field("alert_name", "Alert name", "text", required=True, max_length=120),
            _field(
                "severity",
                "Severity",
                "choice",
                required=True,
                choices=_choices("page", "Page (wake someone up)", "ticket", "Ticket", "info", "Info only"),
            ),
            _field("route_to", "Route to team", "team", required=True),
        ],
    },
    "log-retention": {
        "name": "Log retention change",
        "summary": "Keep an index's logs longer or shorter.",
        "service": "observability",
        "category": "observability",
        "fulfilling_team": "sre",
        "approval_rule": ApprovalRule.TEAM,
        "approval_team": "sre",
        "delivery_target_hours": Decimal("8"),
        "audience_teams": ["sre", "platform"],
        "form": [
            _field("index", "Log index", "text", required=True, regex="[a-z][a-z0-9._-]{2,60}"),
            _field("days", "Retention (days)", "number", required=True, min=7, max=730),
            _field("contains_pii", "Contains personal data", "boolean"),
        ],
    },
    "sso-integration": {
        "name": "SSO integration for an application",
        "summary": "Sign in to an internal or SaaS application with company SSO.",
        "service": "identity-sso",
        "category": "access",
        "fulfilling_team": "platform",
        "approval_rule": ApprovalRule.TEAM,
        "approval_team": "platform",
        "delivery_target_hours": Decimal("24"),
        "form": [
            _field("app_name", "Application", "text", required=True, max_length=100),
            _field(
                "protocol",
                "Protocol",
                "choice",
                required=True,
                choices=_choices("oidc", "OpenID Connect", "saml", "SAML 2.0"),
            ),
            _field(
                "redirect_url",
                "Redirect URL",
                "text",
                required=True,
                regex="https://[a-z0-9./-]+",
                show_if={"field": "protocol", "equals": "oidc"},
            ),
            _field("go_live", "Go-live date", "date", not_before_today=True),
        ],
    },
    "mfa-reset": {
        "name": "Reset multi-factor authentication",
        "summary": "Lost or replaced your phone or security key.",
        "service": "identity-sso",
        "category": "access",
        "fulfilling_team": "service-desk",
        "delivery_target_hours": Decimal("2"),
        "form": [
            _field("for_user", "Whose MFA", "user", required=True),
            _field(
                "method",
                "New method",
                "choice",
                required=True,
                choices=_choices("app", "Authenticator app", "key", "Security key"),
            ),
            _field("verified", "Identity verified by video call", "boolean", required=True),
        ],
    },
    "shared-mailbox": {
        "name": "Shared mailbox",
        "summary": "A team mailbox such as support@ or billing@.",
        "service": "email-calendar",
        "category": "teams-collaboration",
        "fulfilling_team": "service-desk",
        "approval_rule": ApprovalRule.REQUESTER_MANAGER,
        "delivery_target_hours": Decimal("8"),
        "form": [
            _field("address", "Address", "text", required=True, regex="[a-z][a-z0-9.-]{1,40}@example[.]com"),
            _field("owner", "Owner", "user", required=True),
            _field("members", "Members", "long_text", help_text="One username per line.", max_length=2000),
        ],
    },
    "calendar-delegation": {
        "name": "Calendar delegation",
        "summary": "Let a colleague manage your calendar.",
        "service": "email-calendar",
        "category": "teams-collaboration",
        "fulfilling_team": "service-desk",
        "delivery_target_hours": Decimal("4"),
        "form": [
            _field("delegate", "Delegate", "user", required=True),
            _field(
                "permission",
                "Permission",
                "choice",
                required=True,
                choices=_choices("view", "View", "edit", "Edit", "send", "Edit and send on my behalf"),
            ),
        ],
    },
    "onboarding-bundle": {
        "name": "New starter onboarding",
        "summary": "Everything a new colleague needs on day one (in preparation).",
        "service": "identity-sso",
        "category": "access",
        "fulfilling_team": "service-desk",
        "approval_rule": ApprovalRule.REQUESTER_MANAGER,
        "delivery_target_hours": Decimal("40"),
        "draft": True,
        "form": [
            _field("full_name", "Full name", "text", required=True, max_length=120),
            _field("start_date", "Start date", "date", required=True, not_before_today=True),
            _field("team", "Team", "team", required=True),
            _field("laptop", "Laptop", "choice", required=True, choices=_choices("mac", "Mac", "linux", "Linux")),
        ],
    },
}

HELP_ITEM = {
    "name": "Ask for help",
    "summary": "A question or a problem the catalog does not cover: ask in your own words.",
    "description": (
        "Not sure which request fits, or nothing does? Describe what you need or what went wrong. "
        "Articles that may answer it appear as you type; otherwise the service desk answers or sends it "
        "to the right team."
    ),
    "service": "general-help",
    "category": "help",
    "fulfilling_team": "service-desk",
    "delivery_target_hours": Decimal("8"),
    "form": [
        _field(
            "question",
            "Your question",
            "long_text",
            required=True,
            min_length=10,
            max_length=4000,
            help_text="What do you need, or what went wrong? Include any error message you saw.",
        ),
    ],
}
ITEMS[HELP_ITEM_SLUG] = HELP_ITEM

# Realistic answers for free-text fields, by field name (fields with a regex must be listed here).
TEXT_EXAMPLES: dict[str, list[str]] = {
    "asset_tag": ["LT-01234", "LT-20931", "LT-11872", "DT-00412", "LT-30018"],
    "cost_centre": ["CC-1040", "CC-2210", "CC-3300", "CC-1175"],
    "repo_name": ["payments-api", "checkout-web", "search-indexer", "infra-modules", "design-tokens"],
    "oss_review": ["OSS-2024-17", "OSS-2025-03", "legal review 2025-11"],
    "secret_name": ["DEPLOY_TOKEN", "SENTRY_DSN", "NPM_TOKEN", "AWS_ROLE_ARN", "REGISTRY_PASSWORD"],
    "namespace": ["payments", "checkout", "search", "ml-batch", "data-pipeline"],
    "index": ["app.payments", "app.checkout", "ingress-nginx", "audit.sso", "k8s.events"],
    "redirect_url": ["https://grafana.example.com/login/oauth", "https://sentry.example.com/auth/sso/"],
    "address": ["support@example.com", "billing@example.com", "security@example.com", "hiring@example.com"],
    "software": ["Docker Desktop", "Wireshark", "Visual Studio Code", "Postman", "DBeaver"],
    "version": ["latest", "4.36", "1.95", "24.1"],
    "repository": ["payments-api", "platform/terraform", "web/checkout", "data/etl-jobs"],
    "project": ["payments-api", "checkout-web", "search-indexer", "mobile-app"],
    "service_name": ["Payments API", "Checkout", "Search", "Identity", "Mobile backend"],
    "alert_name": ["HighErrorRate", "PodCrashLooping", "LatencyP99Above500ms", "DiskAlmostFull"],
    "app_name": ["Grafana", "Sentry", "Figma", "Miro", "Backstage"],
    "full_name": ["Jamie Carter", "Noor Hassan", "Léa Bernard"],
}

# Answers to each item's free-text questions, by item slug then field name: a request's subject (the item's name
# and its first text answer) and its answers then tell one story. tests/demo checks that every free-text field
# of every item has its own.
ITEM_EXAMPLES: dict[str, dict[str, list[str]]] = {
    "vpn-access": {
        "static_ip_reason": [
            "The payment provider only accepts calls from allow-listed addresses.",
            "Our customer's firewall admits a fixed address for the support tunnel.",
        ],
        "justification": [
            "On call from next week; I need to reach the internal dashboards from home.",
            "Working from the Lyon office two days a week, where only the VPN reaches the staging cluster.",
            "Travelling to the customer site in Berlin and need the admin tools on the way.",
        ],
    },
    "laptop-repair": {
        "problem": [
            "The battery drains in under an hour and the fan is loud even when idle.",
            "The screen flickers when the laptop is docked; tried two different cables.",
            "Coffee spilled on the keyboard: several keys no longer respond.",
            "It no longer boots: a folder with a question mark appears at start-up.",
        ],
    },
    "peripherals": {
        "address": [
            "12 rue des Lilas, 69003 Lyon, France",
            "Flat 4, 27 Harcourt Road, London N7 6QX, United Kingdom",
            "Kastanienallee 8, 10435 Berlin, Germany",
        ],
    },
    "repository-access": {
        "justification": [
            "Joining the checkout squad for the payments rewrite; I review their pull requests from now on.",
            "I fix the flaky integration tests of this repository this sprint.",
            "Taking over the on-call runbooks kept in this repository.",
        ],
    },
    "ci-runner-capacity": {
        "reason": [
            "Our team ships several times a day and pipelines queue for 20 minutes in the afternoon.",
            "The end-to-end suite needs four parallel jobs; with two runners a merge waits 35 minutes.",
            "Release builds of the mobile app block the other pipelines every Thursday.",
        ],
    },
    "k8s-cluster-access": {
        "admin_reason": [
            "I upgrade the ingress controller with the platform team during next week's window.",
            "Investigating a node that keeps evicting pods; I need to read the cluster events and drain it.",
        ],
    },
    "shared-mailbox": {
        "members": ["lena.fischer\ntom.nguyen", "priya.raman\njonas.berg\nchloe.dubois", "marco.rossi"],
    },
    "dashboard-request": {
        "notes": [
            "Please split latency by endpoint; checkout and refunds behave very differently.",
            "We would like the dashboard linked from the service's runbook.",
            "Same layout as the Search dashboard would be perfect.",
        ],
    },
    HELP_ITEM_SLUG: {
        "question": [
            "My VPN connects but I cannot reach the staging dashboards. Is something else needed?",
            "Which item should I use to get a second screen for the meeting room?",
            "I forgot my password and the reset email does not arrive.",
            "Outlook keeps asking for my password since this morning.",
            "Who can give me access to the finance team's shared drive?",
        ],
    },
}

LONG_TEXT_EXAMPLES = [
    "Needed for the Q3 migration of the payments service; my manager agreed in our 1:1.",
    "The battery drains in under an hour and the fan is loud even when idle.",
    "Our team ships several times a day and pipelines queue for 20 minutes in the afternoon.",
    "On call from next week; I need to reach the internal dashboards from home.",
    "Customer support escalations need a shared inbox the whole team can read.",
    "The screen flickers when the laptop is docked; tried two different cables.",
    "We onboard two contractors for the data platform rewrite until the end of the quarter.",
]

COMMENTS_REQUESTER = [
    "Thanks! Any idea when this could be done?",
    "Adding some context: this blocks our release planned for next week.",
    "I attached the details my manager asked for.",
    "Works for me now, thank you.",
    "Could you also add my colleague to this?",
]
COMMENTS_AGENT = [
    "Picked up, I will get back to you today.",
    "Could you confirm which team should own this?",
    "Done on our side; please check and let us know.",
    "Waiting for the vendor to deliver the hardware.",
    "We need your manager's confirmation before going ahead.",
]
COMMENTS_INTERNAL = [
    "Checked the audit log, nothing unusual.",
    "Same issue as last month; see the runbook.",
    "Escalated to the platform on-call.",
]
