"""Writes of the demo app: the demo organisation, its request history, and scale data for benchmarks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from apps.demo.services.base import DemoWorld, seed_world
from apps.demo.services.catalog_builder import seed_catalog_managers
from apps.demo.services.change_history import seed_change_history
from apps.demo.services.changes import seed_change_setup, seed_demo_token
from apps.demo.services.history import quiet_side_effects, seed_requests
from apps.demo.services.knowledge import seed_knowledge

__all__ = ["DemoWorld", "DemoSummary", "demo_seed", "seed_world"]


@dataclass(frozen=True)
class DemoSummary:
    world: DemoWorld
    requests_filed: int
    changes_opened: int = 0
    ci_token_file: Path | None = None
    ci_token_rotated: bool = False
    articles_written: int = 0


def demo_seed(*, requests: int = 300, changes: int = 200) -> DemoSummary:
    """Teams, people, catalog, change setup and (once) ``requests`` demo requests and ``changes`` demo changes;
    running it again changes nothing. The CI token is kept while var/demo-ci-token still holds a valid one.

    One transaction: fast on SQLite, and a failure leaves no half-seeded portal.
    """
    # quiet_side_effects wraps the transaction so the notifications queued on commit are dropped too.
    with quiet_side_effects(), transaction.atomic():
        world = seed_world()
        seed_catalog_managers(world)
        filed = seed_requests(world, count=requests)
        environments = seed_change_setup(world)
        opened = seed_change_history(world, environments, count=changes)
        token_file, rotated = seed_demo_token(world)
        articles = seed_knowledge(world)
    return DemoSummary(
        world=world,
        requests_filed=filed,
        changes_opened=opened,
        ci_token_file=token_file,
        ci_token_rotated=rotated,
        articles_written=articles,
    )
