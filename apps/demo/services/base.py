"""The demo organisation and catalog, written idempotently on natural keys (slugs, usernames)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import Group
from django.db import models

from apps.accounts.choices import Role
from apps.accounts.models import Membership, Team, TeamHoliday, User
from apps.catalog.choices import ApprovalRule, Audience, ItemStatus
from apps.catalog.models import CatalogItem, Category, Service
from apps.catalog.services import item_publish_form
from apps.demo import data
from apps.fulfillment.models import CannedReply

M = TypeVar("M", bound=models.Model)


@dataclass
class DemoWorld:
    """What the demo seed wrote, by natural key, for the request generators."""

    teams: dict[str, Team] = field(default_factory=dict)
    people: dict[str, User] = field(default_factory=dict)
    items: dict[str, CatalogItem] = field(default_factory=dict)


def upsert(model: type[M], *, lookup: dict[str, Any], values: dict[str, Any]) -> M:
    """get_or_create on ``lookup``, then write only the values that differ: a second run writes nothing."""
    obj, created = model._default_manager.get_or_create(**lookup, defaults=values)
    if created:
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    if changed:
        obj.save(update_fields=changed)
    return obj


def seed_teams() -> dict[str, Team]:
    teams = {}
    for slug, attrs in data.TEAMS.items():
        values = {"joinable": False, **attrs}
        teams[slug] = upsert(Team, lookup={"slug": slug}, values=values)
    return teams


def _person_values(spec: dict[str, Any], teams: dict[str, Team]) -> dict[str, Any]:
    first, _, last = spec["name"].partition(" ")
    superuser = spec.get("superuser", False)
    return {
        "first_name": first,
        "last_name": last,
        "is_superuser": superuser,
        "is_staff": superuser,
        "is_active": True,
        "primary_team": teams[spec["teams"][0]],
        "timezone": teams[spec["teams"][0]].timezone,
    }


def demo_password_hash(usernames: list[str]) -> str:
    """The hash every demo person gets: reused while it still matches, so a re-run rewrites nothing.

    One hash for everyone: each PBKDF2 hash costs ~0.3 s, which per person would dominate the seed's time.
    """
    password = settings.STEWARD_DEMO_PASSWORD
    existing = User.objects.filter(username__in=usernames).values_list("password", flat=True).first()
    if existing and check_password(password, existing):
        return existing
    return make_password(password)


def seed_people(teams: dict[str, Team]) -> dict[str, User]:
    """Demo people with their roles, teams and the demo password (set on every run so the README stays true)."""
    groups = {role: Group.objects.get_or_create(name=role.value)[0] for role in Role}
    password = demo_password_hash(list(data.PEOPLE))
    people = {}
    for username, spec in data.PEOPLE.items():
        values = {**_person_values(spec, teams), "email": f"{username}@example.com", "password": password}
        user = people[username] = upsert(User, lookup={"username": username}, values=values)
        user.groups.add(*(groups[role] for role in spec["roles"]))
        for slug in spec["teams"]:
            Membership.objects.get_or_create(user=user, team=teams[slug])
    for slug, username in data.TEAM_MANAGERS.items():
        upsert(Team, lookup={"slug": slug}, values={"manager": people[username]})
        teams[slug].manager = people[username]
    for username, spec in data.SERVICE_ACCOUNTS.items():
        values = {"first_name": spec["name"], "is_service_account": True, "owner_team": teams[spec["owner_team"]]}
        people[username] = upsert(User, lookup={"username": username}, values=values)
    return people


def seed_catalog(teams: dict[str, Team], actor: User) -> dict[str, CatalogItem]:
    for position, (slug, name, description) in enumerate(data.CATEGORIES):
        upsert(Category, lookup={"slug": slug}, values={"name": name, "description": description, "position": position})
    for slug, spec in data.SERVICES.items():
        upsert(Service, lookup={"slug": slug}, values={**spec, "owner_team": teams[spec["owner_team"]]})
    return {slug: seed_item(slug, spec, teams, actor) for slug, spec in data.ITEMS.items()}


def _item_values(spec: dict[str, Any], teams: dict[str, Team]) -> dict[str, Any]:
    approval_team = spec.get("approval_team")
    return {
        "name": spec["name"],
        "summary": spec["summary"],
        "description": spec.get("description", spec["summary"]),
        "service": Service.objects.get(slug=spec["service"]),
        "category": Category.objects.get(slug=spec["category"]),
        "fulfilling_team": teams[spec["fulfilling_team"]],
        "approval_rule": spec.get("approval_rule", ApprovalRule.NONE),
        "approval_team": teams[approval_team] if approval_team else None,
        "fulfilment_mode": spec.get("fulfilment_mode", "manual"),
        "automation_action": spec.get("automation_action", ""),
        "automation_config": spec.get("automation_config", {}),
        "delivery_target_hours": spec["delivery_target_hours"],
        "audience": Audience.TEAMS if spec.get("audience_teams") else Audience.EVERYONE,
        "status": ItemStatus.DRAFT if spec.get("draft") else ItemStatus.PUBLISHED,
    }


def seed_item(slug: str, spec: dict[str, Any], teams: dict[str, Team], actor: User) -> CatalogItem:
    item = upsert(CatalogItem, lookup={"slug": slug}, values=_item_values(spec, teams))
    audience = [teams[team_slug] for team_slug in spec.get("audience_teams", [])]
    if {team.pk for team in item.audience_teams.all()} != {team.pk for team in audience}:
        item.audience_teams.set(audience)
    item_publish_form(item=item, definition={"fields": spec["form"]}, actor=actor)
    return item


def seed_desk_settings(teams: dict[str, Team]) -> None:
    """Team holidays (SLA clocks skip them) and canned replies for the agents."""
    for slug, days in data.HOLIDAYS.items():
        for day, name in days:
            upsert(TeamHoliday, lookup={"team": teams[slug], "date": dt.date.fromisoformat(day)}, values={"name": name})
    for slug, replies in data.CANNED_REPLIES.items():
        for title, body in replies:
            upsert(CannedReply, lookup={"team": teams[slug], "title": title}, values={"body": body})


def seed_world() -> DemoWorld:
    """Teams, people and catalog; safe to run any number of times."""
    teams = seed_teams()
    seed_desk_settings(teams)
    people = seed_people(teams)
    items = seed_catalog(teams, actor=people["admin"])
    return DemoWorld(teams=teams, people=people, items=items)
