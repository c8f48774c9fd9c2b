"""Login throttling: failed password logins slow down, then refuse, further attempts.

Failures are counted per (user name, client address) pair and per client address, each over a window of
``STEWARD_LOGIN_WINDOW_SECONDS`` that starts at its first failure:

* after the soft limit (``STEWARD_LOGIN_SOFT_LIMIT`` for a pair, ``STEWARD_LOGIN_ADDRESS_SOFT_LIMIT`` for an
  address), each new attempt must come at least ``2 ** (n - soft)`` seconds after the last one (1 s, 2 s,
  4 s ...), else it is refused without checking the password;
* from the hard limit (``STEWARD_LOGIN_HARD_LIMIT``, ``STEWARD_LOGIN_ADDRESS_HARD_LIMIT``) on, attempts are
  refused until the window has passed.

There is no counter per user name alone: a flood of wrong passwords from one address locks that address
(and its pairs), never the user everywhere. The address limits are higher than the pair's, since many people
may share an address; one address guessing many user names still meets them.

The count is atomic: ``login_attempt_begin`` locks the counters (``select_for_update``; on SQLite the
transaction's IMMEDIATE lock), checks them and counts the attempt as a failure in one transaction, before the
password is checked, so concurrent attempts cannot all pass one check. A correct password then takes the
attempt back (``login_attempt_succeeded``): the pair is cleared, the address gets its slot back. Refused
attempts are not counted, so a locked-out client cannot extend its own lock by hammering.

The client address is ``REMOTE_ADDR`` (apps.core.request_info.client_ip): behind a reverse proxy, the proxy must set
it to the real client address; otherwise every client shares the proxy's address and its limit.

Used by ``apps.accounts.backends.ThrottledModelBackend`` (every password login, the admin's too), by
``apps.accounts.forms.LoginForm`` (to say why a login was refused) and by ``POST /api/v1/auth/token/``.
"""

import datetime as dt
import logging
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts.models import LoginThrottle
from apps.core.request_info import client_ip

__all__ = [
    "LoginThrottled",
    "client_ip",
    "login_attempt_begin",
    "login_attempt_succeeded",
    "login_throttle_check",
    "login_throttle_purge",
    "normalise_username",
]

logger = logging.getLogger(__name__)


class LoginThrottled(PermissionDenied):
    """Raised instead of checking a password while the pair or address is throttled."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        unit = "second" if retry_after == 1 else "seconds"
        self.message = f"Too many failed login attempts. Try again in {retry_after} {unit}."
        super().__init__(self.message)


@dataclass(frozen=True)
class _Limit:
    key: str
    soft: int
    hard: int


def normalise_username(username: str) -> str:
    # Case-folded so that "Alice" and "alice" share one counter: Django's lookup is case-sensitive,
    # but guessing must not get a fresh allowance per spelling.
    return username.strip().casefold()[:150]


def _limits(username: str, ip_address: str | None) -> list[_Limit]:
    pair = _Limit(
        f"pair:{ip_address or '-'}:{normalise_username(username)}",
        settings.STEWARD_LOGIN_SOFT_LIMIT,
        settings.STEWARD_LOGIN_HARD_LIMIT,
    )
    if not ip_address:
        return [pair]
    address = _Limit(
        f"addr:{ip_address}", settings.STEWARD_LOGIN_ADDRESS_SOFT_LIMIT, settings.STEWARD_LOGIN_ADDRESS_HARD_LIMIT
    )
    return [address, pair]  # sorted by key: concurrent transactions lock rows in one order, never deadlock


def _window() -> dt.timedelta:
    return dt.timedelta(seconds=settings.STEWARD_LOGIN_WINDOW_SECONDS)


def _wait_seconds(counter: LoginThrottle | None, limit: _Limit, now: dt.datetime) -> float:
    if counter is None or counter.window_started_at + _window() <= now:
        return 0.0  # no failure in the current window
    if counter.failures >= limit.hard:
        return (counter.window_started_at + _window() - now).total_seconds()
    if counter.failures >= limit.soft and counter.last_failure_at is not None:
        delay = 2 ** (counter.failures - limit.soft)
        return delay - (now - counter.last_failure_at).total_seconds()
    return 0.0


def _raise_if_waiting(counters: dict[str, LoginThrottle], limits: list[_Limit], now: dt.datetime) -> None:
    wait = max(_wait_seconds(counters.get(limit.key), limit, now) for limit in limits)
    if wait > 0:
        retry_after = max(1, math.ceil(wait))
        logger.warning("login throttled: %s retry_after=%ss", " ".join(lim.key for lim in limits), retry_after)
        raise LoginThrottled(retry_after)


def login_throttle_check(*, username: str, ip_address: str | None, now: dt.datetime | None = None) -> None:
    """Raise LoginThrottled if an attempt now would be refused. Reads only: to say why before the password
    is checked; ``login_attempt_begin`` decides."""
    now = now or timezone.now()
    limits = _limits(username, ip_address)
    counters = {c.key: c for c in LoginThrottle.objects.filter(key__in=[limit.key for limit in limits])}
    _raise_if_waiting(counters, limits, now)


def login_attempt_begin(*, username: str, ip_address: str | None, now: dt.datetime | None = None) -> None:
    """Count a password attempt as a failure, or raise LoginThrottled (counting nothing) if it must wait."""
    now = now or timezone.now()
    limits = _limits(username, ip_address)
    # Old rows count for nothing: dropping some on each attempt keeps the table as small as the window.
    # Not this attempt's own rows, which the transaction below resets in place.
    login_throttle_purge(now=now, batch=50, keep=[limit.key for limit in limits])
    _count_attempt(limits, now)


@transaction.atomic
def _count_attempt(limits: list[_Limit], now: dt.datetime) -> None:
    keys = [limit.key for limit in limits]
    for key in keys:
        LoginThrottle.objects.get_or_create(key=key, defaults={"window_started_at": now})
    counters = {c.key: c for c in LoginThrottle.objects.select_for_update().filter(key__in=keys).order_by("key")}
    _raise_if_waiting(counters, limits, now)  # rolls back the rows just created too
    for counter in counters.values():
        if counter.window_started_at + _window() <= now:
            counter.failures, counter.window_started_at = 0, now  # the window is over: start a new one
        counter.failures += 1
        counter.last_failure_at = now
        counter.save(update_fields=["failures", "window_started_at", "last_failure_at"])


def login_attempt_succeeded(*, username: str, ip_address: str | None) -> None:
    """Take back the attempt ``login_attempt_begin`` counted: clear the pair, give the address its slot back.

    The address keeps its other failures, so one valid account cannot reset an address that is guessing
    other people's passwords.
    """
    limits = _limits(username, ip_address)
    LoginThrottle.objects.filter(key=limits[-1].key).delete()
    if len(limits) == 2:
        LoginThrottle.objects.filter(key=limits[0].key, failures__gt=0).update(failures=F("failures") - 1)


@transaction.atomic
def login_throttle_purge(*, now: dt.datetime | None = None, batch: int = 500, keep: list[str] | None = None) -> int:
    """Delete up to ``batch`` counters whose window is over (they count for nothing). Returns how many.

    Rows another login holds locked are skipped, never waited for: a purge that waited while holding other
    rows could deadlock with that login.
    """
    cutoff = (now or timezone.now()) - _window()
    stale = LoginThrottle.objects.select_for_update(skip_locked=True).filter(window_started_at__lt=cutoff)
    stale = stale.exclude(key__in=keep or [])
    pks = list(stale.values_list("pk", flat=True)[:batch])
    deleted, _ = LoginThrottle.objects.filter(pk__in=pks).delete()
    return deleted
