"""Fixtures of the approvals tests: requests waiting for a decision, changes waiting for a peer, fake providers."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.approvals.exceptions import ApprovalInvalid, ApprovalNotFound, ApprovalRefused, ApprovalStale
from apps.approvals.registry import ApprovalProvider, Decided, PendingApproval, register_provider, unregister_provider
from apps.core.services import audit_record
from apps.fulfillment.choices import RequestStatus

# The fulfillment and changes fixtures these tests build on (requests awaiting approval, scored changes).
from tests.changes.conftest import make_change, policy, production, service, staging  # noqa: F401
from tests.fulfillment.conftest import api_token, approver, manager_item, team_item  # noqa: F401
from tests.fulfillment.factories import ServiceRequestFactory


@pytest.fixture
def waiting(owner, manager_item):  # noqa: F811
    """``waiting(**fields)``: a request by ``owner`` awaiting its requester's manager's (``manager``) approval."""

    def make(**kwargs):
        kwargs.setdefault("requester", owner)
        kwargs.setdefault("item", manager_item)
        return ServiceRequestFactory(status=RequestStatus.AWAITING_APPROVAL, **kwargs)

    return make


@pytest.fixture
def api(api_token):  # noqa: F811
    """``api(user, scopes=[...], access=...)``: an API client with a fresh token of ``user``."""

    def make(user, *, scopes=("requests", "changes"), access="write"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user, scopes=scopes, access=access)}")
        return client

    return make


class FakeProvider:
    """An app that needs decisions, in memory: ``items`` per key; ``refuse`` maps a key to the error to raise.

    A decision writes an audit row on ``target`` (a real row), so a rolled-back bulk decision can be seen.
    """

    def __init__(self, key, label, prefix, target, scope="requests"):
        self.key, self.label, self.prefix, self.target = key, label, prefix, target
        self.items: dict[str, PendingApproval] = {}
        self.refuse: dict[str, Exception] = {}
        self.calls = 0
        register_provider(
            ApprovalProvider(
                key=key,
                label=label,
                key_pattern=rf"{prefix}-[0-9]+",
                scope=scope,
                pending_for=self.pending_for,
                count_for=self.count_for,
                get=lambda user, key: self.items.get(key),
                decide=self.decide,
            )
        )

    def add(self, number, *, hours_ago, title="Fake"):
        key = f"{self.prefix}-{number}"
        since = timezone.now() - dt.timedelta(hours=hours_ago)
        self.items[key] = PendingApproval(self.key, self.label, key, title, "someone", "a yes", since, f"/{key}/", 1)
        return key

    def pending_for(self, user, limit):
        self.calls += 1
        return sorted(self.items.values(), key=lambda item: item.since)[:limit]

    def count_for(self, user):
        return len(self.items)

    def decide(self, user, key, decision, comment, version):
        if key in self.refuse:
            raise self.refuse[key]
        if key not in self.items:
            raise ApprovalNotFound("no such fake")
        audit_record(target=self.target, verb="fake_decided", actor=user, key=key, decision=decision)
        self.items.pop(key)
        return Decided(self.key, key, "Fake", f"/{key}/", decision, decision.title())


@pytest.fixture
def fakes(admin_user):
    """Two fake providers, ``tickets`` (TK-n) and ``orders`` (OR-n), registered for the test only."""
    tickets = FakeProvider("fake.ticket", "Ticket", "TK", target=admin_user)
    orders = FakeProvider("fake.order", "Order", "OR", target=admin_user, scope="changes")
    yield tickets, orders
    unregister_provider(tickets.key)
    unregister_provider(orders.key)


REFUSALS = {
    "refused": (ApprovalRefused("not yours"), 403),
    "stale": (ApprovalStale("moved on"), 409),
    "invalid": (ApprovalInvalid({"comment": ["Say why."]}), 400),
    "missing": (ApprovalNotFound("gone"), 404),
}
