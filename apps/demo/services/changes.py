"""The demo's change enablement, written idempotently: environments, the advisory board, the active policy,
windows and templates on every run; about 200 changes of the last 90 days once; the CI token when needed."""

from __future__ import annotations

import datetime as dt
import os
import zoneinfo
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import ApiToken, Membership, Team, User
from apps.accounts.services import token_create, token_revoke
from apps.accounts.tokens import digest_key
from apps.catalog.models import Service
from apps.changes.models import AdvisoryBoard, Environment, StandardChangeTemplate, Window
from apps.changes.services import window_create
from apps.demo import change_data
from apps.demo.services.base import DemoWorld, upsert
from apps.demo.services.policy_versions import seed_policy


def seed_environments() -> dict[str, Environment]:
    return {
        slug: upsert(
            Environment, lookup={"slug": slug}, values={"name": name, "is_production": prod, "position": position}
        )
        for position, (slug, name, prod) in enumerate(change_data.ENVIRONMENTS)
    }


def seed_board(people: dict[str, User]) -> Team:
    """The change advisory board: a team of managers, flagged as board."""
    values = {key: value for key, value in change_data.CAB_TEAM.items() if key != "slug"}
    team = upsert(Team, lookup={"slug": change_data.CAB_TEAM["slug"]}, values=values)
    AdvisoryBoard.objects.get_or_create(team=team)
    for username in change_data.CAB_MEMBERS:
        Membership.objects.get_or_create(user=people[username], team=team)
    return team


def _local(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=zoneinfo.ZoneInfo(change_data.WINDOW_ZONE))


def seed_windows(environments: dict[str, Environment], actor: User) -> None:
    """The recurring production freeze and the maintenance window, created once (by title)."""
    for title, spec in change_data.WINDOWS.items():
        if Window.objects.filter(title=title).exists():
            continue
        starts, ends = spec["first"]
        window_create(
            actor=actor,
            kind=spec["kind"],
            title=title,
            reason=spec["reason"],
            starts_at=_local(starts),
            ends_at=_local(ends),
            timezone=change_data.WINDOW_ZONE,
            rrule=spec["rrule"],
            all_services=spec.get("all_services", False),
            services=list(Service.objects.filter(slug__in=spec.get("services", []))),
            environments=[environments[slug] for slug in spec["environments"]],
        )


def seed_templates() -> dict[str, StandardChangeTemplate]:
    templates = {}
    for slug, spec in change_data.TEMPLATES.items():
        values = {key: value for key, value in spec.items() if key != "services"}
        template = templates[slug] = upsert(StandardChangeTemplate, lookup={"slug": slug}, values=values)
        services = list(Service.objects.filter(slug__in=spec["services"]))
        if {s.pk for s in template.services.all()} != {s.pk for s in services}:
            template.services.set(services)
    return templates


def seed_change_setup(world: DemoWorld) -> dict[str, Environment]:
    """Everything but the history and the token; safe to run any number of times."""
    admin = world.people["admin"]
    environments = seed_environments()
    seed_board(world.people)
    seed_policy(admin)  # apps.demo.services.policy_versions: a sealed v1 with its test cases
    seed_windows(environments, admin)
    seed_templates()
    return environments


# --- The CI token (var/demo-ci-token) ---------------------------------------------------------------------


def demo_token_path() -> Path:
    """Where the demo CI token is written: STEWARD_DEMO_CI_TOKEN_FILE, else var/demo-ci-token."""
    configured = getattr(settings, "STEWARD_DEMO_CI_TOKEN_FILE", "")
    return Path(configured) if configured else Path(settings.VAR_DIR) / change_data.DEMO_CI_KEY_FILE


def _token_still_valid(path: Path, robot: User) -> bool:
    """The file holds a key of an active demo token of ``robot`` (the one the previous run wrote)."""
    try:
        key = path.read_text().strip()
    except OSError:
        return False
    if not key:
        return False
    now = timezone.now()
    tokens = ApiToken.objects.filter(
        digest=digest_key(key), user=robot, name=change_data.DEMO_CI_KEY_NAME, revoked_at__isnull=True
    )
    return tokens.exclude(expires_at__lte=now).exists()


def _write_owner_only(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600), the file created with that mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    path.chmod(0o600)  # an existing file keeps its mode through os.open: set it again


@transaction.atomic
def seed_demo_token(world: DemoWorld) -> tuple[Path, bool]:
    """The ci-pipeline account's read-write ``changes`` token in demo_token_path(): (path, rotated).

    Kept while the file holds a valid demo token (a second seed_demo changes nothing); otherwise every earlier
    demo token of the account is revoked and a fresh one written.
    """
    robot, path = world.people["ci-pipeline"], demo_token_path()
    if _token_still_valid(path, robot):
        return path, False
    earlier = ApiToken.objects.filter(user=robot, name=change_data.DEMO_CI_KEY_NAME, revoked_at__isnull=True)
    for token in earlier:
        token_revoke(token=token, actor=world.people["admin"])
    _token, key = token_create(
        user=robot, name=change_data.DEMO_CI_KEY_NAME, scopes=change_data.DEMO_CI_KEY_SCOPES, access="write"
    )
    _write_owner_only(path, key + "\n")
    return path, True
