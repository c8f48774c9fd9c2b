"""``http``: POST a signed JSON body to an HttpEndpoint an administrator configured.

Safety: only http(s); the host is resolved once and the connection pinned to the checked address (no DNS
rebinding between check and connect); private, loopback, link-local, reserved, multicast and unspecified
addresses are refused unless the host is in settings.STEWARD_AUTOMATION_ALLOWED_HOSTS; at most 3 redirects,
all to the same scheme, host and port. 408, 429 and 5xx answers and network failures are retried; other
non-2xx answers fail the run.

Bounded: the endpoint's timeout is an overall deadline on the whole call (connect, send, every redirect and
the answer), not only per socket operation: a server that trickles its answer a byte at a time is cut off
when the deadline passes, so the run's task always ends well inside its Celery time limit.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import ssl
import threading
import time
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

from apps.automation.models import HttpEndpoint
from apps.automation.registry import Action, ActionError, ActionResult, ConfigKey, RetryableError, Subject, register

MAX_REDIRECTS = 3
MAX_RESPONSE_BYTES = 64 * 1024
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


def sign(body: bytes, secret: str) -> str:
    """The X-Steward-Signature value: ``sha256=`` and the hex HMAC-SHA256 of the body with the secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def allowed_hosts() -> set[str]:
    return {host.lower() for host in getattr(settings, "STEWARD_AUTOMATION_ALLOWED_HOSTS", [])}


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or not ip.is_global
    )


def resolve(host: str, port: int) -> str:
    """The address to connect to; ActionError when the host only has addresses we may not call."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise RetryableError(f"Cannot resolve {host}: {exc}") from exc
    addresses = [str(info[4][0]) for info in infos]
    if host.lower() in allowed_hosts():
        return addresses[0]
    for address in addresses:
        if _is_public(address):
            return address
    raise ActionError(f"Refused to call {host}: it resolves to a private or local address ({addresses[0]}).")


class _PinnedHTTPConnection(http.client.HTTPConnection):
    # The connected socket, kept after http.client hands it to the response (HTTP/1.0 answers): _cut needs it.
    raw_sock: socket.socket | None = None

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = self.raw_sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    raw_sock: socket.socket | None = None

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        self._ssl_context = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._ssl_context)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self.raw_sock = self._ssl_context.wrap_socket(sock, server_hostname=self.host)


class Deadline:
    """An overall time budget for one call: what is left of it, or RetryableError once it is spent."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def remaining(self) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            raise RetryableError(f"The endpoint did not answer within {self.seconds:g} s.")
        return left

    def expired(self) -> bool:
        return time.monotonic() >= self.at


def _cut(conn: _PinnedHTTPConnection | _PinnedHTTPSConnection) -> None:
    """Shut the connection's socket: a read blocked in another thread returns at once."""
    if conn.raw_sock is not None:
        with contextlib.suppress(OSError):  # already closed: nothing left to interrupt
            # socket.socket's own shutdown, under TLS too: SSLSocket.shutdown would tear down the TLS state
            # that the reading thread is still using.
            socket.socket.shutdown(conn.raw_sock, socket.SHUT_RDWR)


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ActionError(f"Only http and https URLs can be called, not {url!r}.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise ActionError(f"Bad port in {url!r}.") from exc
    return parts.scheme, parts.hostname.lower(), port


def _request(
    url: str, *, method: str, body: bytes | None, headers: dict[str, str], deadline: Deadline
) -> tuple[int, str, bytes]:
    scheme, host, port = _origin(url)
    address = resolve(host, port)
    cls = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    conn = cls(host, port, address=address, timeout=deadline.remaining())
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    # Socket timeouts bound each read, not their sum: the watchdog bounds the whole exchange.
    watchdog = threading.Timer(deadline.remaining(), _cut, args=(conn,))
    watchdog.daemon = True
    watchdog.start()
    try:
        conn.request(method, target, body=body, headers=headers)
        response = conn.getresponse()
        status, location, content = response.status, response.getheader("Location") or "", _read(response)
    except (OSError, http.client.HTTPException) as exc:  # TimeoutError is an OSError
        if deadline.expired() or isinstance(exc, TimeoutError):
            raise RetryableError(f"{host} did not answer within {deadline.seconds:g} s.") from exc
        raise RetryableError(f"Calling {host} failed: {exc}") from exc
    finally:
        watchdog.cancel()
        conn.close()
    if deadline.expired():  # the watchdog cut a trickled answer short: what was read is not the answer
        raise RetryableError(f"{host} did not answer within {deadline.seconds:g} s.")
    return status, location, content


def _read(response: http.client.HTTPResponse) -> bytes:
    """At most MAX_RESPONSE_BYTES of the body, however slowly it comes (the watchdog ends a slow one)."""
    chunks: list[bytes] = []
    size = 0
    while size < MAX_RESPONSE_BYTES:
        chunk = response.read1(MAX_RESPONSE_BYTES - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def post_signed(url: str, *, body: bytes, secret: str, timeout: float, delivery: str = "") -> dict[str, Any]:
    """POST ``body`` to ``url`` with its signature, following same-origin redirects; the output of the run."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Steward-Automation/1",
        "X-Steward-Signature": sign(body, secret),
        "X-Steward-Delivery": delivery,
    }
    method, origin = "POST", _origin(url)
    data: bytes | None = body
    deadline = Deadline(timeout)  # one budget for the call and its redirects
    for _ in range(MAX_REDIRECTS + 1):
        status, location, content = _request(url, method=method, body=data, headers=headers, deadline=deadline)
        if status not in REDIRECT_STATUSES:
            return _outcome(url, status, content)
        target = urljoin(url, location)
        if not location or _origin(target) != origin:
            raise ActionError(f"Refused a redirect from {url} to another host: {target or 'nowhere'}.")
        if status in (301, 302, 303):  # what browsers do: the redirected request is a GET without the body
            method, data = "GET", None
        url = target
    raise ActionError(f"More than {MAX_REDIRECTS} redirects from the endpoint.")


def _outcome(url: str, status: int, content: bytes) -> dict[str, Any]:
    text = content.decode("utf-8", errors="replace")
    if status in RETRY_STATUSES or status >= 500:
        raise RetryableError(f"{url} answered {status}: {text[:200]}")
    if not 200 <= status < 300:
        raise ActionError(f"{url} answered {status}: {text[:200]}")
    try:
        response: Any = json.loads(text) if text else None
    except ValueError:
        response = text[:2000]
    return {"status": status, "url": url, "response": response}


@register
class HttpAction(Action):
    """Body: ``{"subject": {"type", "id"}, "delivery": key, "answers": {...}, "user", "requester", "reference"}``."""

    name = "http"
    label = "Call an HTTP endpoint (signed JSON POST)"
    config_schema = {"endpoint": ConfigKey(str, required=True, help="slug of an HTTP endpoint set up in the admin")}
    # Every attempt of a run sends the same X-Steward-Delivery key: endpoints ignore a delivery they have seen.
    idempotent = True

    def secrets(self, config: dict[str, Any]) -> list[str]:
        endpoint = HttpEndpoint.objects.filter(slug=config.get("endpoint")).only("secret").first()
        return [endpoint.secret] if endpoint is not None else []

    def clean_config(self, config: dict[str, Any]) -> dict[str, Any]:
        if not HttpEndpoint.objects.filter(slug=config["endpoint"]).exists():
            raise ValidationError(f'No HTTP endpoint "{config["endpoint"]}": add it under Automation first.')
        return config

    def run(self, *, params: dict[str, Any], subject: Subject, config: dict[str, Any]) -> ActionResult:
        endpoint = HttpEndpoint.objects.filter(slug=config.get("endpoint")).first()
        if endpoint is None:
            raise ActionError(f"No HTTP endpoint {config.get('endpoint')!r}.")
        payload = {"subject": {"type": subject.type, "id": subject.id}, "delivery": subject.key, **params}
        body = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()
        output = post_signed(
            endpoint.url, body=body, secret=endpoint.secret, timeout=endpoint.timeout_seconds, delivery=subject.key
        )
        output["summary"] = f"{endpoint.name} answered {output['status']}."
        return ActionResult(output=output)
