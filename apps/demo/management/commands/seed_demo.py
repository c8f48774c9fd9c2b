"""``manage.py seed_demo``: the demo organisation, catalog and request history (idempotent)."""

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.demo.data import DEMO_LOGINS
from apps.demo.services import demo_seed


def demo_logins_text() -> str:
    """The lines `make run` prints: where to go and how to sign in (also used by ``manage.py dev``)."""
    password = settings.STEWARD_DEMO_PASSWORD
    lines = [f"  {username:<10} / {password}" for username in DEMO_LOGINS]
    return "Demo logins (user / password):\n" + "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Load the demo teams, people, services, catalog items and a few hundred requests. Idempotent: "
        "running it again creates nothing new. Refused when DEBUG is off unless --force is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Seed even though DEBUG is off.")
        parser.add_argument("--requests", type=int, default=300, help="Demo requests to file the first time.")
        parser.add_argument("--changes", type=int, default=200, help="Demo changes to open the first time.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("Refusing to load demo data with DEBUG off (production?). Use --force to insist.")
        started = time.monotonic()
        summary = demo_seed(requests=options["requests"], changes=options["changes"])
        elapsed = time.monotonic() - started
        world = summary.world
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready in {elapsed:.1f} s: {len(world.teams)} teams, {len(world.people)} people, "
                f"{len(world.items)} catalog items, {summary.requests_filed} new requests, "
                f"{summary.changes_opened} new changes, {summary.articles_written} new articles."
            )
        )
        token = "a fresh" if summary.ci_token_rotated else "the still valid"
        self.stdout.write(
            f"CI token: {token} read-write token (scope: changes) of the ci-pipeline account is in "
            f"{summary.ci_token_file} (owner-only); the ci/ scripts read it from STEWARD_TOKEN."
        )
        self.stdout.write(f"Open {settings.SITE_URL}/ and sign in.\n{demo_logins_text()}")
