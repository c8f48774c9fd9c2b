"""Login throttling: failed password logins slow down, then refuse, further attempts.

Failures are counted per user name and per client address over ``STEWARD_LOGIN_WINDOW_SECONDS``:

* after ``STEWARD_LOGIN_SOFT_LIMIT`` failures, each new attempt must come at least ``2 ** (n - SOFT)``
  seconds after the last failure (1 s, 2 s, 4 s ...), else it is refused without checking the password;
* from ``STEWARD_LOGIN_HARD_LIMIT`` failures on, attempts are refused until enough failures have left
  the window.

Refused attempts are not counted, so a locked-out client cannot extend its own lock by hammering.
A successful login clears the failures of that user name only: the address keeps its count, so one
valid account cannot be used to reset an address that is guessing other people's passwords.

The client address is ``REMOTE_ADDR``. Behind a reverse proxy, the proxy (or the WSGI server, e.g.
gunicorn's ``--forwarded-allow-ips`` with a proxy-fix middleware) must set ``REMOTE_ADDR`` to the real
client address; otherwise every client shares the proxy's address and its per-address limit.

Used by ``apps.accounts.backends.ThrottledModelBackend`` (every password login, the admin's too), by
``apps.accounts.forms.LoginForm`` (to say why a login was refused) and by ``POST /api/v1/auth/token/``.
"""

import datetime as dt
import ipaddress
import logging
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q
from django.http import HttpRequest
from django.utils import timezone

from apps.accounts.models import LoginFailure

logger = logging.getLogger(__name__)


class LoginThrottled(PermissionDenied):
    """Raised instead of checking a password while the user name or address is throttled."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        unit = "second" if retry_after == 1 else "seconds"
        self.message = f"Too many failed login attempts. Try again in {retry_after} {unit}."
        super().__init__(self.message)


@dataclass(frozen=True)
class _Tally:
    count: int
    last: dt.datetime | None


def normalise_username(username: str) -> str:
    # Case-folded so that "Alice" and "alice" share one counter: Django's lookup is case-sensitive,
    # but guessing must not get a fresh allowance per spelling.
    return username.strip().casefold()[:150]


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address from REMOTE_ADDR (see the module docstring about proxies), or None."""
    if request is None:
        return None
    raw = str(request.META.get("REMOTE_ADDR") or "").strip()
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def _window() -> dt.timedelta:
    return dt.timedelta(seconds=settings.STEWARD_LOGIN_WINDOW_SECONDS)


def _tallies(username: str, ip_address: str | None, since: dt.datetime) -> tuple[_Tally, _Tally]:
    by_user = Q(username=username)
    by_ip = Q(ip_address=ip_address) if ip_address else Q(pk__in=[])
    row = (
        LoginFailure.objects.filter(created_at__gte=since)
        .filter(by_user | by_ip)
        .aggregate(
            user_count=Count("pk", filter=by_user),
            user_last=Max("created_at", filter=by_user),
            ip_count=Count("pk", filter=by_ip),
            ip_last=Max("created_at", filter=by_ip),
        )
    )
    return _Tally(row["user_count"], row["user_last"]), _Tally(row["ip_count"], row["ip_last"])


def _hard_wait(key: Q, count: int, since: dt.datetime, now: dt.datetime) -> float:
    # The lock lifts when the (count - HARD + 1)th oldest failure leaves the window.
    expiring = count - settings.STEWARD_LOGIN_HARD_LIMIT
    oldest = LoginFailure.objects.filter(key, created_at__gte=since).order_by("created_at", "pk")
    created = oldest.values_list("created_at", flat=True)[expiring]
    return (created + _window() - now).total_seconds()


def _wait_seconds(key: Q, tally: _Tally, since: dt.datetime, now: dt.datetime) -> float:
    if tally.count >= settings.STEWARD_LOGIN_HARD_LIMIT:
        return _hard_wait(key, tally.count, since, now)
    if tally.count >= settings.STEWARD_LOGIN_SOFT_LIMIT and tally.last is not None:
        delay = 2 ** (tally.count - settings.STEWARD_LOGIN_SOFT_LIMIT)
        return delay - (now - tally.last).total_seconds()
    return 0.0


def login_throttle_check(*, username: str, ip_address: str | None, now: dt.datetime | None = None) -> None:
    """Raise LoginThrottled when a password attempt for ``username`` from ``ip_address`` must wait."""
    now = now or timezone.now()
    since = now - _window()
    username = normalise_username(username)
    user_tally, ip_tally = _tallies(username, ip_address, since)
    wait = _wait_seconds(Q(username=username), user_tally, since, now)
    if ip_address:
        wait = max(wait, _wait_seconds(Q(ip_address=ip_address), ip_tally, since, now))
    if wait > 0:
        retry_after = max(1, math.ceil(wait))
        logger.warning("login throttled: user=%r ip=%s retry_after=%ss", username, ip_address, retry_after)
        raise LoginThrottled(retry_after)


def login_failure_record(*, username: str, ip_address: str | None) -> LoginFailure:
    """Count one failed password attempt against the user name and the address."""
    # Old rows count for nothing: dropping them here keeps the table as small as the window.
    login_failures_purge()
    return LoginFailure.objects.create(username=normalise_username(username), ip_address=ip_address)


def login_success_record(*, username: str) -> None:
    """Forget the user name's failures after a correct password (the address keeps its count)."""
    LoginFailure.objects.filter(username=normalise_username(username)).delete()


def login_failures_purge(*, now: dt.datetime | None = None) -> int:
    """Delete failures older than the window; they no longer count. Returns how many were deleted."""
    cutoff = (now or timezone.now()) - _window()
    deleted, _ = LoginFailure.objects.filter(created_at__lt=cutoff).delete()
    return deleted
