"""Reads of the inbox: what waits for one person's decision, across every registered provider."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

from apps.accounts.models import User
from apps.approvals.registry import ApprovalProvider, PendingApproval, provider_list


def pending_list(
    user: User, *, limit: int, providers: Sequence[ApprovalProvider] | None = None
) -> list[PendingApproval]:
    """The ``limit`` oldest items waiting for ``user`` among ``providers`` (default: all), oldest first."""
    chosen = provider_list() if providers is None else providers
    items = [item for provider in chosen for item in provider.pending_for(user, limit)]
    items.sort(key=lambda item: (item.since, item.provider, item.key))
    return items[:limit]


def pending_count(user: User, *, providers: Sequence[ApprovalProvider] | None = None) -> int:
    """How many items wait for ``user``'s decision: the navbar badge."""
    chosen = provider_list() if providers is None else providers
    return sum(provider.count_for(user) for provider in chosen)


class PendingInbox:
    """The inbox as a lazy sequence for Django's Paginator.

    Each provider is asked once for its ``window`` oldest items (the view passes what its page needs); its
    count is asked for only when it has that many or more. A page therefore costs a fixed number of queries
    per provider, whatever the number of rows.
    """

    def __init__(self, user: User, providers: Sequence[ApprovalProvider] | None = None, *, window: int = 50) -> None:
        self.user = user
        self.providers = provider_list() if providers is None else list(providers)
        self.window = window
        self._items: dict[str, list[PendingApproval]] = {}
        self._count: int | None = None

    def _first(self, provider: ApprovalProvider) -> list[PendingApproval]:
        if provider.key not in self._items:
            self._items[provider.key] = provider.pending_for(self.user, self.window)
        return self._items[provider.key]

    def count(self) -> int:
        if self._count is None:
            self._count = 0
            for provider in self.providers:
                first = self._first(provider)
                self._count += len(first) if len(first) < self.window else provider.count_for(self.user)
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[PendingApproval]:
        return iter(self[0 : self.count()])

    @overload
    def __getitem__(self, index: int, /) -> PendingApproval: ...

    @overload
    def __getitem__(self, index: slice, /) -> list[PendingApproval]: ...

    def __getitem__(self, index: int | slice, /) -> PendingApproval | list[PendingApproval]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop if index.stop is not None else self.count()
        if stop > self.window:  # beyond what was read: ask again for enough
            return pending_list(self.user, limit=stop, providers=self.providers)[start:stop]
        items = sorted((i for p in self.providers for i in self._first(p)), key=lambda i: (i.since, i.provider, i.key))
        return items[start:stop]
