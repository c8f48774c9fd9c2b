"""The authorization matrix's data set: one of everything a URL can point at, built once per module.

Requests of different owners and teams, items by audience, tokens, runs, saved filters, attachments,
approvals, canned replies and a change awaiting approval; one logged-in session per role. Roles are the
matrix's columns (``ROLES``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.files.base import ContentFile
from django.utils import timezone

from apps.accounts.services import token_create
from apps.automation.models import AutomationRun
from apps.changes.choices import ChangeStatus, Tier
from apps.changes.models import Change, Environment, Window
from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.models import Attachment, CannedReply, SavedFilter
from tests.changes.policy.authz_world import add_policies
from tests.factories import CatalogItemFactory, CategoryFactory, ServiceFactory, TeamFactory, UserFactory
from tests.fulfillment.factories import CommentFactory, ServiceRequestFactory

#: The matrix's columns, in the order of every row of tests/authz/matrix.py.
ROLES = ("anon", "requester", "other", "agent", "agent2", "manager", "admin")

JOIN_FORM = {"fields": [{"name": "team", "label": "Team", "type": "team", "required": True, "joinable_only": True}]}
#: Scopes of the matrix's tokens: every API the matrix requests.
SCOPES = ["requests", "changes", "knowledge"]
REASON_FORM = {"fields": [{"name": "reason", "label": "Reason", "type": "text", "required": True}]}


@dataclass
class World:
    """Everything the matrix requests, by name; ``lookup("main.number")`` reads a dotted path."""

    users: dict[str, Any] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # role -> read-write key (SCOPES)
    read_tokens: dict[str, str] = field(default_factory=dict)  # role -> read-only key
    objects: dict[str, Any] = field(default_factory=dict)
    baseline: dict[str, tuple[int, str]] = field(default_factory=dict)  # tests/authz/fingerprint.py

    def lookup(self, path: str) -> Any:
        head, *attrs = path.split(".")
        value = self.objects[head]
        for attr in attrs:
            value = getattr(value, attr)
        return value


def _people(world: World) -> None:
    product = TeamFactory(name="Product", slug="product")
    desk = TeamFactory(name="Service desk", slug="service-desk")
    platform = TeamFactory(name="Platform", slug="platform")
    TeamFactory(name="Guild", slug="guild", joinable=True)
    manager = UserFactory(username="m-manager", roles=["Managers"], member_of=[product])
    product.manager = manager
    product.save(update_fields=["manager"])
    world.users.update(
        requester=UserFactory(username="m-requester", roles=["End users"], member_of=[product]),
        other=UserFactory(username="m-other", roles=["End users"], member_of=[product]),
        agent=UserFactory(username="m-agent", roles=["Agents"], member_of=[desk]),
        agent2=UserFactory(username="m-agent2", roles=["Agents"], member_of=[platform]),
        manager=manager,
        admin=UserFactory(username="m-admin", is_superuser=True, is_staff=True),
    )
    world.objects.update(product=product, desk=desk, platform=platform)
    world.objects["watcher"] = UserFactory(username="m-watcher", roles=["End users"], member_of=[platform])
    world.objects["newcomer"] = UserFactory(username="m-newcomer", roles=["End users"], member_of=[platform])


def _catalog(world: World) -> None:
    desk, platform = world.objects["desk"], world.objects["platform"]
    service = ServiceFactory(slug="m-service", name="Matrix service", owner_team=desk)
    category = CategoryFactory(slug="m-category", name="Matrix category")
    common = {"service": service, "category": category, "fulfilling_team": desk}
    world.objects.update(
        service=service,
        category=category,
        # Automated, for everyone: the main request's item (its failed run can be retried).
        join=CatalogItemFactory(
            slug="m-join",
            fulfilment_mode="automated",
            automation_action="join-team",
            form_definition=JOIN_FORM,
            **common,
        ),
        laptop=CatalogItemFactory(
            slug="m-laptop", approval_rule="requester_manager", form_definition=REASON_FORM, **common
        ),
        restricted=CatalogItemFactory(slug="m-restricted", audience="teams", form_definition=REASON_FORM, **common),
    )
    world.objects["restricted"].audience_teams.add(platform)


def _requests(world: World) -> None:
    requester, agent = world.users["requester"], world.users["agent"]
    main = ServiceRequestFactory(
        requester=requester, item=world.objects["join"], answers={"team": "guild"}, status=RequestStatus.FAILED
    )
    main.watchers.add(world.objects["watcher"])
    CommentFactory(request=main, author=requester, body="Public question")
    CommentFactory(request=main, author=agent, body="Internal note", is_internal=True)
    attachment = Attachment(request=main, filename="log.txt", content_type="text/plain", size=5, uploaded_by=requester)
    attachment.file.save("log.txt", ContentFile(b"hello"), save=True)
    run = AutomationRun.objects.create(
        action="join-team",
        subject_type="fulfillment.servicerequest",
        subject_id=str(main.pk),
        sequence=1,
        status="failed",
        attempts=1,
        available_at=timezone.now(),
        error="Team not found: https://hooks.example.com/?token=SECRET",
    )
    approval = ServiceRequestFactory(
        requester=requester, item=world.objects["laptop"], status=RequestStatus.AWAITING_APPROVAL
    )
    world.objects.update(main=main, approval=approval, attachment=attachment, run=run)


def _desk_things(world: World) -> None:
    agent, requester = world.users["agent"], world.users["requester"]
    world.objects["saved_filter"] = SavedFilter.objects.create(user=agent, name="Mine", query="status=failed")
    world.objects["canned"] = CannedReply.objects.create(team=world.objects["desk"], title="Hello", body="Hello!")
    token, _key = token_create(user=requester, name="victim", scopes=["requests"], access="read")
    world.objects["victim_token"] = token


def _changes(world: World) -> None:
    """A medium change on a platform service, requested by ``requester``, awaiting a platform member's approval;
    a product service the requester's team may open changes on (the create rows' body); a maintenance window."""
    platform, product = world.objects["platform"], world.objects["product"]
    staging = Environment.objects.create(name="Matrix staging", slug="m-staging")
    platform_service = ServiceFactory(slug="m-platform-svc", name="Matrix platform service", owner_team=platform)
    ServiceFactory(slug="m-product-svc", name="Matrix product service", owner_team=product)
    now = timezone.now()
    change = Change.objects.create(
        title="Matrix change",
        requester=world.users["requester"],
        environment=staging,
        status=ChangeStatus.AWAITING_APPROVAL,
        tier=Tier.MEDIUM,
        risk_score=40,
        planned_start=now - dt.timedelta(minutes=5),
        planned_end=now + dt.timedelta(hours=2),
    )
    change.services.set([platform_service])
    world.objects["change"] = change
    world.objects["window"] = Window.objects.create(  # far ahead: it must not freeze the change above
        kind="maintenance",
        title="Matrix maintenance",
        all_services=True,
        starts_at=now + dt.timedelta(days=30),
        ends_at=now + dt.timedelta(days=30, hours=2),
    )


def _knowledge(world: World) -> None:
    """A published article of the service desk (``agent`` writes it) and a draft of the platform team (hidden
    from everyone but its team and the admin)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.knowledge.services import ArticleData, article_create, article_transition, attachment_add

    agent, agent2, admin = world.users["agent"], world.users["agent2"], world.users["admin"]
    article = article_create(actor=agent, data=ArticleData(title="Matrix article", owner_team=world.objects["desk"]))
    article = article_transition(article=article, to="in_review", actor=agent)
    world.objects["article"] = article_transition(article=article, to="published", actor=admin)
    world.objects["article_file"] = attachment_add(
        article=world.objects["article"],
        upload=SimpleUploadedFile("guide.txt", b"Matrix guide", content_type="text/plain"),
        actor=agent,
    )
    world.objects["draft_article"] = article_create(
        actor=agent2, data=ArticleData(title="Matrix draft", owner_team=world.objects["platform"])
    )


def _credentials(world: World) -> None:
    for role, user in world.users.items():
        session = import_module(settings.SESSION_ENGINE).SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        world.sessions[role] = session.session_key or ""
        expiry = timezone.now() + dt.timedelta(days=1)
        world.tokens[role] = token_create(user=user, name="rw", scopes=SCOPES, access="write", expires_at=expiry)[1]
        world.read_tokens[role] = token_create(user=user, name="ro", scopes=SCOPES, access="read")[1]


def build_world() -> World:
    world = World()
    _people(world)
    _catalog(world)
    _requests(world)
    _desk_things(world)
    _changes(world)
    _knowledge(world)
    add_policies(world)  # risk-policy versions (tests/changes/policy/authz_world.py)
    _credentials(world)
    return world
