"""``manage.py seed_scale --requests N``: bulk requests for benchmarks (COPY on PostgreSQL)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.demo.services.scale import scale_seed
from apps.demo.services.scale_knowledge import scale_articles


class Command(BaseCommand):
    help = (
        "Generate N service requests over realistic teams, items, people and two years of dates, in bulk "
        "(PostgreSQL: COPY; SQLite: one prepared INSERT per batch). Also creates scale teams (each with a "
        "service and a support item) and people once, and the demo catalog if missing. Generated requests have answers "
        "that fit their item's form but NO audit events, comments or notifications: they bypass the "
        "fulfillment services for speed. Each run adds N more requests."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--requests", type=int, default=0, help="How many requests to add.")
        parser.add_argument("--articles", type=int, default=0, help="How many knowledge articles to add.")
        parser.add_argument("--batch", type=int, default=10_000, help="Rows per transaction (default 10000).")
        parser.add_argument("--users", type=int, default=2_000, help="Generated people (created once).")
        parser.add_argument("--teams", type=int, default=40, help="Generated teams (created once).")
        parser.add_argument("--seed", type=int, default=42, help="Random seed, for repeatable data.")
        parser.add_argument("--force", action="store_true", help="Run even though DEBUG is off.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("Refusing to generate scale data with DEBUG off (production?). Use --force to insist.")
        if options["requests"] < 0 or options["batch"] < 1 or options["teams"] < 1 or options["users"] < 1:
            raise CommandError("--requests must be >= 0; --batch, --teams and --users must be >= 1.")
        if options["articles"] < 0:
            raise CommandError("--articles must be >= 0.")
        result = scale_seed(
            requests=options["requests"],
            batch=options["batch"],
            users=options["users"],
            teams=options["teams"],
            seed=options["seed"],
            progress=self._progress,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.rows} requests written with {result.method} in {result.seconds:.1f} s "
                f"({result.rate:,.0f} rows/s). No audit events were written for them."
            )
        )
        if options["articles"]:
            written = scale_articles(count=options["articles"], seed=options["seed"], progress=self._article_progress)
            self.stdout.write(self.style.SUCCESS(f"{written} published articles written and indexed."))

    def _article_progress(self, done: int) -> None:
        self.stdout.write(f"  {done:>10,} articles")

    def _progress(self, done: int, seconds: float) -> None:
        rate = done / seconds if seconds else 0.0
        self.stdout.write(f"  {done:>10,} rows  {seconds:7.1f} s  {rate:10,.0f} rows/s")
