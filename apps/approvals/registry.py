"""The registry of approval providers: the apps whose objects wait for someone's decision.

The inbox knows nothing of requests or changes. Each app that needs approvals registers a provider from its
AppConfig.ready() (apps.fulfillment.approvals, apps.changes.approvals), the way subject owners register
handlers with apps.automation.registry:

- ``key``: the provider's name in URLs and the API, e.g. ``fulfillment.request``; ``label`` for people;
- ``key_pattern``: a regular expression every object key of the provider matches in full (``SR-[0-9]+``),
  so that a bare key (``/api/v1/approvals/SR-000123/decide/``) finds its provider;
- ``scope``: the API token scope its items and decisions need;
- ``pending_for(user, limit)``: at most ``limit`` items waiting for ``user``'s decision, oldest first;
- ``count_for(user)``: how many there are (the navbar badge: keep it to a query or two);
- ``get(user, key)``: the one item if it waits for ``user``'s decision, else None;
- ``decide(user, key, decision, comment, version)``: take the decision ("approve" or "reject") and return
  what it became; raises only apps.approvals.exceptions' errors (its own refusals mapped onto them).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from apps.accounts.models import User
from apps.approvals.exceptions import ApprovalNotFound

DECISIONS = ("approve", "reject")

__all__ = [
    "DECISIONS",
    "ApprovalProvider",
    "Decided",
    "PendingApproval",
    "get_provider",
    "provider_for_key",
    "provider_list",
    "register_provider",
]


@dataclass(frozen=True)
class PendingApproval:
    """One object waiting for the caller's decision, the same shape whatever its app."""

    provider: str
    provider_label: str
    key: str  # the object's number, e.g. SR-000123 or CHG-000042
    title: str
    requester: str
    needs: str  # what the decision is, in words: "the requester's manager's approval"
    since: dt.datetime  # waiting since (the inbox's order: oldest first)
    url: str
    version: int | None = None  # sent back with the decision when the provider compares versions
    requester_username: str = ""  # shown on hover over ``requester`` (apps.accounts.display)
    # What was asked, as (label, text) pairs: the inbox shows them inline, collapsed.
    details: tuple[tuple[str, str], ...] = ()

    @property
    def ref(self) -> str:
        """``provider:key``: how the bulk form names it."""
        return f"{self.provider}:{self.key}"

    @property
    def dom_id(self) -> str:
        return dom_id(self.provider, self.key)


@dataclass(frozen=True)
class Decided:
    """What a decision left: the object's status after it (a change may still wait for other teams)."""

    provider: str
    key: str
    title: str
    url: str
    status: str
    status_label: str

    @property
    def dom_id(self) -> str:
        return dom_id(self.provider, self.key)


def dom_id(provider: str, key: str) -> str:
    """The id of an item's row in the inbox (htmx swaps the row by it)."""
    return "approval-" + re.sub(r"[^A-Za-z0-9-]", "-", f"{provider}-{key}")


class DecideFn(Protocol):
    def __call__(self, user: User, key: str, decision: str, comment: str, version: int | None) -> Decided: ...


@dataclass(frozen=True)
class ApprovalProvider:
    key: str
    label: str
    key_pattern: str
    scope: str
    pending_for: Callable[[User, int], list[PendingApproval]]
    count_for: Callable[[User], int]
    get: Callable[[User, str], PendingApproval | None]
    decide: DecideFn

    def owns(self, object_key: str) -> bool:
        return re.fullmatch(self.key_pattern, object_key, flags=re.IGNORECASE) is not None


_PROVIDERS: dict[str, ApprovalProvider] = {}


def register_provider(provider: ApprovalProvider) -> None:
    """Register (or replace) ``provider`` under its key; its app calls this from AppConfig.ready()."""
    _PROVIDERS[provider.key] = provider


def unregister_provider(key: str) -> None:
    """Remove a provider (tests register fakes and take them away again)."""
    _PROVIDERS.pop(key, None)


def provider_list() -> list[ApprovalProvider]:
    return sorted(_PROVIDERS.values(), key=lambda provider: provider.key)


def get_provider(key: str) -> ApprovalProvider:
    """The provider registered as ``key``; ApprovalNotFound when there is none."""
    try:
        return _PROVIDERS[key]
    except KeyError:
        raise ApprovalNotFound(f"There is no approval provider “{key}”.") from None


def provider_for_key(object_key: str) -> ApprovalProvider:
    """The provider whose ``key_pattern`` ``object_key`` matches (a bare SR-000123); ApprovalNotFound if none."""
    for provider in provider_list():
        if provider.owns(object_key):
            return provider
    raise ApprovalNotFound("No such approval, or not visible to you.")
