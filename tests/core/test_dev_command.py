"""`manage.py dev` runs web + worker + beat, and one SIGINT stops all of them with no orphan process."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

START_TIMEOUT = 60
STOP_TIMEOUT = 15


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stat(pid: int) -> tuple[str, int, str] | None:
    """(state, process group, start time) of a live process from /proc, or None once it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = raw[raw.rindex(")") + 2 :].split()  # the command name may hold spaces and parentheses
    return fields[0], int(fields[2]), fields[19]


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.update(int(child) for child in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


def _descendants(pid: int) -> set[int]:
    seen: set[int] = set()
    todo = [pid]
    while todo:
        for child in _children(todo.pop()) - seen:
            seen.add(child)
            todo.append(child)
    return seen


def _alive(pid: int, started: str) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z" and stat[2] == started  # same start time: not a reused pid


def _group_members(groups: set[int]) -> set[int]:
    members = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None and stat[0] != "Z" and stat[1] in groups:
                members.add(int(entry.name))
    return members


def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, "manage.py dev exited before the web server answered"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} did not answer 200 within {START_TIMEOUT} s")


def _settled_tree(pid: int) -> set[int]:
    """The descendants once the worker's pool and the reloader's server have started (stable for 2 s)."""
    previous: set[int] = set()
    stable_since = time.monotonic()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        current = _descendants(pid)
        if current != previous:
            previous, stable_since = current, time.monotonic()
        elif len(current) >= 4 and time.monotonic() - stable_since >= 2:
            break
        time.sleep(0.25)
    return previous


def _environment(var_dir: Path) -> dict[str, str]:
    env = {**os.environ, "STEWARD_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1"}
    # The embedded default (SQLite + filesystem broker) in a throw-away folder: never a shared database.
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        env.pop(name, None)
    return env


def _clean_up(process: subprocess.Popen[bytes], tree: dict[int, tuple[str, int, str]]) -> None:
    """After a failure, leave nothing running: stop dev politely, then kill what is left of its tree."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for group in {stat[1] for stat in tree.values()}:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)


def test_dev_serves_and_one_sigint_stops_every_child(tmp_path: Path) -> None:
    manage = str(settings.BASE_DIR / "manage.py")
    env = _environment(tmp_path / "var")
    subprocess.run([sys.executable, manage, "migrate", "--noinput", "-v0"], env=env, check=True, timeout=180)
    port = _free_port()
    log = (tmp_path / "dev.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, manage, "dev", "--addrport", f"127.0.0.1:{port}"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    tree: dict[int, tuple[str, int, str]] = {}
    try:
        _wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
        tree = {pid: stat for pid in _settled_tree(process.pid) if (stat := _stat(pid)) is not None}
        assert len(tree) >= 4, f"expected web, its server process, worker and beat; got {tree}"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=STOP_TIMEOUT) == 0
        survivors = [pid for pid, stat in tree.items() if _alive(pid, stat[2])]
        assert survivors == [], f"processes left behind: {survivors}"
        assert _group_members({stat[1] for stat in tree.values()}) == set()
    finally:
        _clean_up(process, tree)
        log.close()
    output = (tmp_path / "dev.log").read_text(errors="replace")
    assert f"http://127.0.0.1:{port}/" in output
    assert "requester" in output


def test_dev_stops_the_others_and_fails_when_a_child_dies(monkeypatch, tmp_path: Path) -> None:
    from django.core.management import CommandError, call_command

    from apps.core.management.commands import dev

    marker = tmp_path / "sleeper.pid"
    sleeper = f"import os, time; open({str(marker)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    crasher = "import time; time.sleep(1); raise SystemExit(3)"
    commands = [("sleeper", [sys.executable, "-c", sleeper]), ("crasher", [sys.executable, "-c", crasher])]
    monkeypatch.setattr(dev, "child_commands", lambda addrport: commands)

    started = time.monotonic()
    with pytest.raises(CommandError, match="crasher exited with status 3"):
        call_command("dev", addrport="127.0.0.1:0")

    assert time.monotonic() - started < STOP_TIMEOUT
    stat = _stat(int(marker.read_text()))
    assert stat is None or stat[0] == "Z", "the sleeper survived its sibling's crash"
