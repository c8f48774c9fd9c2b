"""``manage.py dev``: runserver, a Celery worker and Celery beat together; one Ctrl-C stops all three.

Each child runs in its own session, so the terminal's Ctrl-C reaches only this process, which then sends
SIGTERM to each child's *main* pid. Never to a whole process group: a prefork worker whose pool children
get SIGTERM too hangs in warm shutdown (TOOLCHAIN.md). What has not exited after the grace period is
SIGKILLed together with its process group, so nothing is left behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

GRACE_SECONDS = 8.0
POLL_SECONDS = 0.2
# The demo logins seed_demo creates (apps.demo.data.DEMO_LOGINS); core imports no other app, hence the copy.
DEMO_LOGINS = ("requester", "agent", "manager", "admin")


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]


def child_env() -> dict[str, str]:
    """The children's environment: this one with DEBUG on, since settings default to production."""
    return {**os.environ, "DJANGO_DEBUG": "true"}


def child_commands(addrport: str) -> list[tuple[str, list[str]]]:
    """The three processes, each started with this interpreter."""
    manage = str(settings.BASE_DIR / "manage.py")
    celery = [sys.executable, "-m", "celery", "-A", "portal"]
    schedule = str(settings.VAR_DIR / "celerybeat-schedule")
    return [
        ("web", [sys.executable, manage, "runserver", addrport]),
        ("worker", [*celery, "worker", "-l", "info"]),
        ("beat", [*celery, "beat", "-l", "info", "-s", schedule]),
    ]


class Command(BaseCommand):
    help = "Run the web server, a Celery worker and Celery beat together (development). Ctrl-C stops all three."
    requires_system_checks = []  # runserver runs the checks itself

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addrport", default="127.0.0.1:8000", help="Address and port of the web server.")

    def handle(self, *args: Any, **options: Any) -> None:
        addrport: str = options["addrport"]
        self._stop_requested: int | None = None
        self._banner(addrport)
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        children: list[Child] = []
        try:
            for name, command in child_commands(addrport):
                # start_new_session: the terminal's Ctrl-C must not reach the children directly.
                # Our own argv lists (manage.py runserver, celery worker/beat), never a shell or user input.
                process = subprocess.Popen(command, start_new_session=True, env=child_env())  # noqa: S603
                children.append(Child(name, process))
            died = self._watch(children)
        finally:
            self._stop(children)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if died is not None:
            raise CommandError(f"{died.name} exited with status {died.process.returncode}; stopped the others.")
        self.stdout.write("Stopped web, worker and beat.")

    def _banner(self, addrport: str) -> None:
        host, _, port = addrport.rpartition(":")
        # SITE_URL when set (make run sets it from ADDRPORT, so emails and this banner name the same address).
        url = os.environ.get("SITE_URL") or f"http://{host or '127.0.0.1'}:{port or addrport}/"
        password = settings.STEWARD_DEMO_PASSWORD
        logins = "\n".join(f"  {username:<10} / {password}" for username in DEMO_LOGINS)
        self.stdout.write(
            self.style.SUCCESS(f"Steward on {url}  (web + Celery worker + Celery beat; Ctrl-C stops all)")
            + f"\nDemo logins (after `manage.py seed_demo`):\n{logins}\n"
        )
        self.stdout.flush()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._stop_requested = signum

    def _watch(self, children: list[Child]) -> Child | None:
        """Wait until a stop is requested (None) or a child exits (that child)."""
        while self._stop_requested is None:
            for child in children:
                if child.process.poll() is not None:
                    return child
            time.sleep(POLL_SECONDS)
        return None

    def _stop(self, children: list[Child]) -> None:
        for child in children:
            if child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)  # the main pid only, never the group
        deadline = time.monotonic() + GRACE_SECONDS
        for child in children:
            try:
                child.process.wait(timeout=max(deadline - time.monotonic(), 0.01))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"{child.name} did not stop within {GRACE_SECONDS:.0f} s: killing it.")
        for child in children:
            # The group id is the child's pid (start_new_session); SIGKILL whatever is still in it,
            # e.g. a runserver reloader's server process or a pool process a crashed worker left.
            self._kill_group(child.process.pid)
            child.process.wait()

    @staticmethod
    def _kill_group(pgid: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
