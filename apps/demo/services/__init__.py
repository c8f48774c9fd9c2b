"""Writes of the demo app: the demo organisation, its request history, and scale data for benchmarks."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from apps.demo.services.base import DemoWorld, seed_world
from apps.demo.services.history import quiet_side_effects, seed_requests

__all__ = ["DemoWorld", "DemoSummary", "demo_seed", "seed_world"]


@dataclass(frozen=True)
class DemoSummary:
    world: DemoWorld
    requests_filed: int


def demo_seed(*, requests: int = 300) -> DemoSummary:
    """Teams, people, catalog and (once) ``requests`` demo requests; running it again changes nothing.

    One transaction: fast on SQLite, and a failure leaves no half-seeded portal.
    """
    # quiet_side_effects wraps the transaction so the notifications queued on commit are dropped too.
    with quiet_side_effects(), transaction.atomic():
        world = seed_world()
        filed = seed_requests(world, count=requests)
    return DemoSummary(world=world, requests_filed=filed)
