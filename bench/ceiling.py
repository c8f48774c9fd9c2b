"""The bare-Django ceiling, started beside a benchmark as a separate process.

Steward's page benchmarks divide each page's throughput by the ceiling's: `startproject` defaults, one 50-row
PostgreSQL table behind login (`/auth-table/`), and `/tiny/` (an `HttpResponse("ok")`). The ceiling project is
kept outside this repository (a read-only folder given with ``--ceiling-dir``); nothing of it is copied here.
This module sets it up once (its own virtualenv under var/, its own database, its seeded data), starts it
with the same gunicorn settings as the project's server, and logs in through its login form.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT.parent / "shared" / "ceiling"
VENV = ROOT / "var" / "ceiling-venv"
USERNAME, PASSWORD = "agent001", "benchpass123"  # noqa: S105  # the ceiling's documented seed account
PACKAGES = ["django>=5.2,<5.3", "gunicorn", "psycopg[binary]", "redis"]


def vacuum_analyze(url: str) -> None:
    """VACUUM ANALYZE a bench database: what autovacuum does on a production server (it may be off on a bench
    machine). Without it, right after a bulk seed, the planner has no statistics and no visibility map, so
    index-only scans read the table's pages instead, and a page's figures say more about the seed than the page."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


class CeilingError(RuntimeError):
    """The ceiling could not be set up, started or logged into."""


class Ceiling:
    """One ceiling server: ``with Ceiling(...) as ceiling: ceiling.cookie`` is a logged-in session."""

    def __init__(self, directory: Path, *, port: int, workers: int, database: str = "ceiling") -> None:
        if not (directory / "manage.py").exists():
            raise CeilingError(f"no ceiling project at {directory} (pass --ceiling-dir).")
        self.directory = directory
        self.port = port
        self.workers = workers
        self.env = {**os.environ, "CEILING_DB": database, "PYTHONDONTWRITEBYTECODE": "1"}
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        self.env.pop("DATABASE_URL", None)
        self.server: subprocess.Popen[bytes] | None = None
        self.cookie = ""

    def __enter__(self) -> Ceiling:
        self.prepare()
        self.start()
        self.cookie = self.login()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- set-up -----------------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Virtualenv, database, migrations and data, each only when missing (the first run takes ~1 min)."""
        python = VENV / "bin" / "python"
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PACKAGES], check=True)
        self._create_database()
        self._run(str(python), "manage.py", "migrate", "-v0")
        if not self._seeded(python):
            self._run(str(python), "gen_ceiling.py", DJANGO_SETTINGS_MODULE="ceil.settings")
        self._vacuum()

    def _create_database(self) -> None:
        import psycopg  # the project's own driver: the bench runs in Steward's virtualenv

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            name = self.env["CEILING_DB"]
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{name}"')

    def _vacuum(self) -> None:
        """VACUUM ANALYZE, as Steward's bench databases get (see vacuum_analyze): the same care on both sides."""
        vacuum_analyze(f"postgresql://postgres@127.0.0.1:5432/{self.env['CEILING_DB']}")

    def _seeded(self, python: Path) -> bool:
        check = "from django.contrib.auth.models import User; print(User.objects.filter(username='agent001').exists())"
        out = subprocess.run(
            [str(python), "manage.py", "shell", "-v0", "-c", check],
            cwd=self.directory,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        # The last line: Django 5.2's shell may print what it imported automatically before the answer.
        return out.stdout.strip().splitlines()[-1:] == ["True"]

    def _run(self, *argv: str, **extra_env: str) -> None:
        subprocess.run(list(argv), cwd=self.directory, env={**self.env, **extra_env}, check=True)

    # --- server -----------------------------------------------------------------------------------------

    def start(self) -> None:
        cmd = [
            str(VENV / "bin" / "gunicorn"),
            "ceil.wsgi:application",
            f"--workers={self.workers}",
            "--worker-class=sync",
            f"--bind=127.0.0.1:{self.port}",
            "--log-level=warning",
        ]
        self.server = subprocess.Popen(cmd, cwd=self.directory, env=self.env, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/tiny/")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise CeilingError(f"the ceiling did not answer /tiny/ on :{self.port} within 30 s.")

    def stop(self) -> None:
        """SIGTERM to gunicorn's main process only (it stops its workers), SIGKILL if it hangs."""
        if self.server is not None and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def request(self, method: str, path: str, *, body: str = "", headers: dict[str, str] | None = None) -> tuple:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request(method, path, body=body or None, headers=headers or {})
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        cookies = [v.split(";", 1)[0] for k, v in response.getheaders() if k.lower() == "set-cookie"]
        conn.close()
        return response.status, "; ".join(cookies), text

    def login(self) -> str:
        """Log in through the ceiling's login form; the Cookie header to send with /auth-table/."""
        status, csrf_cookie, page = self.request("GET", "/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or token is None:
            raise CeilingError(f"the ceiling's login page answered {status} without a CSRF token.")
        form = urllib.parse.urlencode({"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": token[1]})
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": csrf_cookie}
        status, session, _ = self.request("POST", "/login/", body=form, headers=headers)
        if status != 302 or "sessionid" not in session:
            raise CeilingError(f"login to the ceiling as {USERNAME} failed (status {status}).")
        cookie = f"{csrf_cookie}; {session}"
        if self.request("GET", "/auth-table/", headers={"Cookie": cookie})[0] != 200:
            raise CeilingError("the ceiling's /auth-table/ did not answer 200 after login.")
        return cookie
