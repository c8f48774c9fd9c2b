"""Fixtures of the automation tests: a local HTTP server, endpoints, and an automated join-team item."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apps.automation.models import HttpEndpoint
from tests.factories import CatalogItemFactory, TeamFactory

TEAM_FORM = {"fields": [{"name": "team", "label": "Team", "type": "team", "required": True, "joinable_only": True}]}


class Recorder(BaseHTTPRequestHandler):
    """Answers by path: /ok 200 JSON, /slow after 2 s, /status/<n>, /same (307 -> /ok), /away (302 -> localhost),
    .../echo/<n> (status n, the request's path, headers and body echoed back), /trickle (200, a byte every
    0.2 s for 10 s).
    """

    def log_message(self, format, *args):  # keep pytest's output clean
        pass

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.received.append(
            {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
        )
        port = self.server.server_address[1]
        if self.path == "/slow":
            time.sleep(2)
        if "/echo/" in self.path:
            echoed = {"headers": dict(self.headers), "body": body.decode(), "path": self.path}
            return self._send(int(self.path.split("?")[0].rsplit("/", 1)[1]), json.dumps(echoed).encode())
        if self.path == "/trickle":
            return self._trickle()
        if self.path.startswith("/status/"):
            return self._send(int(self.path.rsplit("/", 1)[1]), b'{"error": "nope"}')
        if self.path == "/same":
            return self._send(307, b"", location="/ok")
        if self.path == "/loop":
            return self._send(307, b"", location="/loop")
        if self.path == "/away":
            return self._send(302, b"", location=f"http://localhost:{port}/ok")
        return self._send(200, json.dumps({"ticket": "EXT-1"}).encode())

    def _send(self, status, body, location=None):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if location:
            self.send_header("Location", location)
        self.end_headers()
        self.wfile.write(body)

    def _trickle(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "50")
        self.end_headers()
        for _ in range(50):
            try:
                self.wfile.write(b" ")
                self.wfile.flush()
            except OSError:  # the client hung up: what the deadline is for
                return
            time.sleep(0.2)

    do_POST = do_GET = _answer


@pytest.fixture
def local_server(settings):
    """``(base_url, received)``: a server on 127.0.0.1, allow-listed for the http action."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.daemon_threads = True
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.STEWARD_AUTOMATION_ALLOWED_HOSTS = ["127.0.0.1"]
    yield f"http://127.0.0.1:{server.server_address[1]}", server.received
    server.shutdown()
    server.server_close()


@pytest.fixture
def endpoint_for(db, local_server):
    """``endpoint_for("/ok")``: an HttpEndpoint on the local server's path."""
    base, _received = local_server

    def make(path="/ok", *, timeout=5, slug="hook"):
        return HttpEndpoint.objects.update_or_create(
            slug=slug, defaults={"name": "Hook", "url": base + path, "secret": "s3cret", "timeout_seconds": timeout}
        )[0]

    return make


@pytest.fixture
def guild(db):
    return TeamFactory(name="Guild", slug="guild", joinable=True)


@pytest.fixture
def join_item(desk_team):
    """An automated item: the join-team action, fulfilled by desk_team."""
    return CatalogItemFactory(
        slug="join-team",
        name="Join a team",
        fulfilling_team=desk_team,
        fulfilment_mode="automated",
        automation_action="join-team",
        form_definition=TEAM_FORM,
    )


@pytest.fixture(autouse=True)
def _automation_urls(settings):
    settings.ROOT_URLCONF = "tests.automation.urls"
