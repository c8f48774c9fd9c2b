"""Decisions taken from the inbox: one, or many at once (all or nothing), whatever app each item belongs to.

The rules of who may decide what stay with each provider's own services, which also write the audit row
and notify; this module checks the input every provider shares and keeps a bulk decision atomic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from apps.accounts.models import User
from apps.approvals.exceptions import ApprovalError, ApprovalInvalid
from apps.approvals.registry import DECISIONS, Decided, get_provider, provider_for_key

BULK_MAX = 100
COMMENT_MAX_CHARS = 5000  # the smallest limit among the providers (changes)


@dataclass(frozen=True)
class Refusal:
    """Why one item of a bulk decision was not decided."""

    provider: str
    key: str
    reason: str


class BulkRefused(Exception):
    """A bulk decision refused as a whole: nothing was written. ``refusals`` says which items and why."""

    def __init__(self, refusals: Sequence[Refusal]) -> None:
        self.refusals = list(refusals)
        super().__init__("; ".join(f"{r.key}: {r.reason}" for r in self.refusals))


def parse_item(value: str) -> tuple[str, str]:
    """``provider:key`` from the bulk form, or a bare key whose provider is found by its pattern."""
    provider, sep, key = value.strip().rpartition(":")
    if sep:
        return provider, key
    try:
        return provider_for_key(key).key, key
    except ApprovalError:
        return "", key  # deciding it reports "no such approval" next to the key


def check_decision(decision: str, comment: str) -> str:
    """The comment, stripped; ApprovalInvalid for a decision other than approve/reject or a bad comment."""
    errors: dict[str, list[str]] = {}
    if decision not in DECISIONS:
        errors["decision"] = ["Choose “approve” or “reject”."]
    if "\x00" in comment:
        errors["comment"] = ["Null characters are not allowed."]
    elif len(comment) > COMMENT_MAX_CHARS:
        errors["comment"] = [f"A comment holds at most {COMMENT_MAX_CHARS} characters."]
    elif decision == "reject" and not comment.strip():
        # Every kind of approval: whoever is refused reads why (the request's timeline, the change's page).
        errors["comment"] = ["Give the reason for the rejection: the requester reads it."]
    if errors:
        raise ApprovalInvalid(errors)
    return comment.strip()


def approval_decide(
    *, actor: User, provider: str, key: str, decision: str, comment: str = "", version: int | None = None
) -> Decided:
    """Approve or reject one item through its provider; raises apps.approvals.exceptions' errors only."""
    comment = check_decision(decision, comment)
    return get_provider(provider).decide(actor, key, decision, comment, version)


def approval_decide_bulk(
    *, actor: User, items: Sequence[tuple[str, str]], decision: str, comment: str = ""
) -> list[Decided]:
    """Decide every ``(provider, key)`` of ``items`` or none of them.

    Each decision runs in a savepoint so that one refusal does not stop the others from being tried (every
    reason is reported at once); any refusal then rolls the whole transaction back, with the audit rows,
    outbox rows and on-commit dispatches of the decisions already taken.
    """
    comment = check_decision(decision, comment)
    if not items:
        raise ApprovalInvalid({"items": ["Select at least one item."]})
    if len(items) > BULK_MAX:
        raise ApprovalInvalid({"items": [f"Decide at most {BULK_MAX} items at once."]})
    with transaction.atomic():
        decided, refusals = _decide_each(actor, list(dict.fromkeys(items)), decision, comment)
        if refusals:
            raise BulkRefused(refusals)
    return decided


def _decide_each(
    actor: User, items: list[tuple[str, str]], decision: str, comment: str
) -> tuple[list[Decided], list[Refusal]]:
    decided: list[Decided] = []
    refusals: list[Refusal] = []
    for provider, key in items:
        try:
            with transaction.atomic():
                decided.append(
                    approval_decide(actor=actor, provider=provider, key=key, decision=decision, comment=comment)
                )
        except ApprovalError as exc:
            refusals.append(Refusal(provider, key, exc.message))
    return decided, refusals
