#!/usr/bin/env python
"""Throughput of the agent queue and a request page against a bare Django "ceiling" page, on PostgreSQL.

A script, not a test: see bench/README.md. It

1. (with --seed N) runs ``manage.py seed_demo`` and ``manage.py seed_scale --requests N``;
2. collects static files into a temporary STATIC_ROOT and starts gunicorn (2 sync workers) with production
   settings (DJANGO_DEBUG=false, SECRET_KEY set, ALLOWED_HOSTS=127.0.0.1, SECURE_SSL_REDIRECT on: every
   request carries ``X-Forwarded-Proto: https``) and STEWARD_BENCH_CEILING=true;
3. creates (once) an agent who belongs to the service desk only (seed_scale gives that team ~1/10 of the
   requests) and logs in through the real login form to get a session cookie;
4. counts the SQL queries of each page with Django's test client (in this process, same settings);
5. starts the bare-Django ceiling project (--ceiling-dir, its own virtualenv under var/ and its own database)
   beside it and runs wrk (8 connections, a warm-up run first) against the ceiling's /auth-table/, the
   queue's first page, a request page of that team, the in-app /bench/ceiling/, and the ceiling again; then
   prints and writes to bench/RESULTS.md throughput, p50, p99 and each page's ratio to the ceiling (the mean
   of the two ceiling runs around it).

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/steward_bench .venv/bin/python bench/queue_bench.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ceiling import DEFAULT_DIR as DEFAULT_CEILING_DIR  # noqa: E402  # bench/ is a folder of scripts, not a package
from ceiling import Ceiling, CeilingError  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BENCH_USER = "bench-agent"
BENCH_TEAM = "service-desk"
BENCH_PASSWORD = "bench-agent-password-not-secret"  # noqa: S105  # a throwaway account in a benchmark database
SECRET = "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"  # noqa: S105
# Production settings refuse to start without a Fernet key for stored secrets; a fixed one (32 bytes, urlsafe
# base64) keeps the bench database's encrypted columns readable from one run to the next.
SECRETS_KEY = "YmVuY2gtb25seS1zZWNyZXRzLWtleS0wMTIzNDU2Nzg="  # noqa: S105


@dataclass
class Result:
    name: str
    path: str
    rps: float
    p50_ms: float
    p99_ms: float
    profile: Profile
    requests: int
    errors: str
    ratio: float = 0.0  # to the mean of the ceiling's /auth-table/ measured right before and right after


def fail(message: str) -> NoReturn:
    print(f"queue_bench: {message}", file=sys.stderr)
    sys.exit(2)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""), help="PostgreSQL URL.")
    parser.add_argument("--seed", type=int, default=0, help="Run seed_demo and seed_scale --requests N first.")
    parser.add_argument("--queue-url", default="/requests/queue/", help="The queue's first page.")
    parser.add_argument("--duration", type=int, default=20, help="Seconds of each measured wrk run.")
    parser.add_argument("--warmup", type=int, default=5, help="Seconds of the warm-up run before each.")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="Measure the three pages this many times, interleaved, and keep each page's best run "
        "(steadier ratios on a machine with other load).",
    )
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads.")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--ceiling-dir",
        type=Path,
        default=DEFAULT_CEILING_DIR,
        help="The bare-Django ceiling project (started beside Steward; its /auth-table/ is the reference).",
    )
    parser.add_argument("--ceiling-port", type=int, default=8801)
    parser.add_argument(
        "--fulfilment",
        type=int,
        default=20,
        help="File N join-team requests through the API with one Celery worker on Redis and time submit -> "
        "fulfilled (0 skips it).",
    )
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/13", help="Celery broker of server and worker.")
    parser.add_argument("--results", default=str(ROOT / "bench" / "RESULTS.md"), help="Markdown file to write.")
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        fail(
            "set DATABASE_URL (or --database-url) to a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/steward_bench"
        )
    if shutil.which("wrk") is None:
        fail("wrk is missing: install it with `apt-get install -y wrk` (Debian package).")
    return args


def server_env(args: argparse.Namespace, var_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DJANGO_DEBUG="false",
        SECRET_KEY=SECRET,
        STEWARD_SECRETS_KEY=SECRETS_KEY,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=args.database_url,
        STEWARD_VAR_DIR=var_dir,
        STEWARD_BENCH_CEILING="true",
        CELERY_BROKER_URL=args.broker,
        CELERY_RESULT_BACKEND=args.broker,
        PYTHONPATH=str(ROOT),
    )
    return env


def manage(env: dict[str, str], *argv: str) -> None:
    subprocess.run([PYTHON, str(ROOT / "manage.py"), *argv], cwd=ROOT, env=env, check=True)


# --- Django in this process: the bench agent, a request to open, query counts -----------------------------


def django_setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def ensure_agent() -> Any:
    """An agent of the service desk only, with a known password (created or reset)."""
    from django.contrib.auth.models import Group

    from apps.accounts.models import Membership, Team, User

    team = Team.objects.filter(slug=BENCH_TEAM).first()
    if team is None:
        fail(f"no team {BENCH_TEAM!r}: run manage.py seed_demo and seed_scale first (or pass --seed N).")
    user, _ = User.objects.get_or_create(username=BENCH_USER, defaults={"email": "bench-agent@example.com"})
    user.set_password(BENCH_PASSWORD)
    user.primary_team = team
    user.is_active = True
    user.save()
    user.groups.set([Group.objects.get(name="Agents")])
    Membership.objects.filter(user=user).exclude(team=team).delete()
    Membership.objects.get_or_create(user=user, team=team)
    return user


def data_facts() -> dict[str, Any]:
    from apps.fulfillment.models import ServiceRequest, format_number

    total = ServiceRequest.objects.count()
    team = ServiceRequest.objects.filter(team__slug=BENCH_TEAM).count()
    seeded = ServiceRequest.objects.filter(team__slug=BENCH_TEAM).exclude(requester__username="bench-requester")
    newest = seeded.order_by("-id").values_list("pk", flat=True).first()
    if newest is None:
        fail(f"the {BENCH_TEAM} team has no requests: run seed_scale first (or pass --seed N).")
    return {"total": total, "team": team, "number": format_number(newest)}


@dataclass
class Profile:
    """One page served in this process by the test client: where its time goes."""

    queries: int
    sql_ms: float
    total_ms: float
    size: int


def count_queries(user: Any, paths: list[str], repeat: int = 10) -> dict[str, Profile]:
    """SQL queries per page, warm (after a first request), through the whole middleware stack; plus the
    in-process time per request and its SQL share, to tell database time from Python (template) time."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    client.force_login(user)
    profiles = {}
    for path in paths:
        first = client.get(path)
        if first.status_code != 200:
            fail(f"{path} answered {first.status_code} to the test client (expected 200).")
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        # Read now: every request's request_started signal clears the connection's query log.
        count, sql_ms = len(queries.captured_queries), sum(float(q["time"]) for q in queries.captured_queries) * 1000
        start = time.perf_counter()
        for _ in range(repeat):
            client.get(path)
        total_ms = (time.perf_counter() - start) * 1000 / repeat
        profiles[path] = Profile(count, sql_ms, total_ms, len(first.content))
    return profiles


# --- gunicorn, login, wrk ----------------------------------------------------------------------------------


def start_server(args: argparse.Namespace, env: dict[str, str]) -> subprocess.Popen[bytes]:
    gunicorn = Path(PYTHON).with_name("gunicorn")
    cmd = [
        str(gunicorn) if gunicorn.exists() else "gunicorn",
        "portal.wsgi:application",
        f"--workers={args.workers}",
        "--worker-class=sync",
        f"--bind=127.0.0.1:{args.port}",
        "--log-level=warning",
    ]
    server = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if http_get(args.port, "/healthz")[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    fail("gunicorn did not answer /healthz within 30 s.")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM to gunicorn's main process only (it stops its workers), SIGKILL if it hangs."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def http_get(port: int, path: str, cookie: str = "") -> tuple[int, dict[str, str], str]:
    return http_request(port, "GET", path, cookie=cookie)


def http_request(
    port: int, method: str, path: str, *, cookie: str = "", body: str = "", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    sent = {"X-Forwarded-Proto": "https", **(headers or {})}
    if cookie:
        sent["Cookie"] = cookie
    conn.request(method, path, body=body or None, headers=sent)
    response = conn.getresponse()
    text = response.read().decode("utf-8", "replace")
    cookies = [value.split(";", 1)[0] for key, value in response.getheaders() if key.lower() == "set-cookie"]
    conn.close()
    return response.status, {"set-cookie": "; ".join(cookies), "location": response.getheader("Location", "")}, text


def login(port: int) -> str:
    """Log in through the real login form (CSRF and all) and return the Cookie header to send."""
    status, headers, page = http_get(port, "/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if status != 200 or token is None:
        fail(f"the login page answered {status} without a CSRF token.")
    csrf_cookie = headers["set-cookie"]
    origin = f"https://127.0.0.1:{port}"
    form = urllib.parse.urlencode(
        {"username": BENCH_USER, "password": BENCH_PASSWORD, "csrfmiddlewaretoken": token.group(1)}
    )
    status, headers, _ = http_request(
        port,
        "POST",
        "/accounts/login/",
        cookie=csrf_cookie,
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": origin,
            "Referer": f"{origin}/accounts/login/",
        },
    )
    if status != 302 or "sessionid" not in headers["set-cookie"]:
        fail(f"login as {BENCH_USER} failed (status {status}).")
    return f"{csrf_cookie}; {headers['set-cookie']}"


LATENCY = re.compile(r"^\s*(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(args: argparse.Namespace, url: str, cookie: str, seconds: int) -> tuple[float, float, float, int, str]:
    cmd = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout=10s",
        "-H",
        f"Cookie: {cookie}",
        "-H",
        "X-Forwarded-Proto: https",
        url,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    latency = {pct: float(value) * UNIT_MS[unit] for pct, value, unit in LATENCY.findall(out)}
    errors = "; ".join(line.strip() for line in out.splitlines() if "Non-2xx" in line or "Socket errors" in line)
    return rps, latency["50"], latency["99"], total, errors


def measure(args: argparse.Namespace, name: str, path: str, cookie: str, profile: Profile) -> Result:
    status, headers, _ = http_get(args.port, path, cookie)
    if status != 200:
        fail(f"{path} answered {status} {headers['location']} through gunicorn (expected 200: logged in?).")
    return run_wrk(args, name, f"http://127.0.0.1:{args.port}{path}", path, cookie, profile)


def measure_ceiling(args: argparse.Namespace, ceiling: Ceiling, name: str) -> Result:
    """The bare-Django ceiling's /auth-table/, with the same wrk settings as the project's pages."""
    return run_wrk(args, name, ceiling.url("/auth-table/"), "/auth-table/", ceiling.cookie, Profile(1, 0, 0, 0))


def run_wrk(args: argparse.Namespace, name: str, url: str, path: str, cookie: str, profile: Profile) -> Result:
    wrk(args, url, cookie, args.warmup)
    rps, p50, p99, total, errors = wrk(args, url, cookie, args.duration)
    result = Result(name, path, rps, p50, p99, profile, total, errors)
    queries = profile.queries
    print(f"  {name:<14} {rps:8.1f} req/s  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  {queries:2d} queries  {errors}")
    return result


def static_assets(port: int, path: str, cookie: str) -> list[tuple[str, str]]:
    """The page's stylesheets and scripts with their Cache-Control (a warm browser re-requests none)."""
    _, _, page = http_get(port, path, cookie)
    urls = sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', page)))
    assets = []
    for url in urls:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("HEAD", url, headers={"X-Forwarded-Proto": "https"})
        response = conn.getresponse()
        assets.append((url, f"{response.status} {response.getheader('Cache-Control', '-')}"))
        conn.close()
    return assets


# --- Standard request: submit -> fulfilled with one worker ------------------------------------------------


def ensure_requester() -> tuple[str, str]:
    """A person who files join-team, with a fresh API token; and a joinable team to join."""
    from apps.accounts.models import Team, User
    from apps.accounts.services import token_create
    from apps.catalog.models import CatalogItem

    item = CatalogItem.objects.filter(slug="join-team").first()
    if item is None or item.fulfilment_mode != "automated" or item.automation_action != "join-team":
        fail(
            "the join-team item is not automated in this database (seeded before apps.automation existed?): "
            "re-seed a fresh database, set it to automated with the join-team action in the admin, "
            "or pass --fulfilment 0."
        )

    user, _ = User.objects.get_or_create(username="bench-requester", defaults={"email": "bench-requester@example.com"})
    team = Team.objects.filter(joinable=True).order_by("slug").first()
    if team is None:
        fail("no joinable team: run manage.py seed_demo first.")
    _, key = token_create(user=user, name=f"bench {time.time():.0f}", scopes=["requests"], access="write")
    return key, team.slug


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    celery = Path(PYTHON).with_name("celery")
    cmd = [str(celery), "-A", "portal", "worker", "--concurrency=1", "--loglevel=warning", "--without-gossip"]
    # stdout is where the console email backend prints every notification: not the figures' business.
    return subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL)


def file_and_wait(port: int, key: str, team: str, timeout: float = 60.0) -> float:
    """Seconds from POSTing a join-team request to reading it back fulfilled."""
    auth = {"Authorization": f"Token {key}", "Content-Type": "application/json"}
    body = json.dumps({"item": "join-team", "answers": {"team": team}})
    start = time.perf_counter()
    status, _, text = http_request(port, "POST", "/api/v1/requests/", body=body, headers=auth)
    if status != 201:
        fail(f"filing join-team answered {status}: {text[:300]}")
    number = json.loads(text)["number"]
    while time.perf_counter() - start < timeout:
        status, _, text = http_request(port, "GET", f"/api/v1/requests/{number}/", headers=auth)
        state = json.loads(text).get("status")
        if state == "fulfilled":
            return time.perf_counter() - start
        if state in ("failed", "cancelled", "rejected"):
            fail(f"{number} ended {state}: is the join-team item automated (seed_demo)?")
        time.sleep(0.01)
    broker = os.environ["CELERY_BROKER_URL"]
    fail(f"{number} was not fulfilled within {timeout:.0f} s: is the worker running on {broker}?")


def measure_fulfilment(args: argparse.Namespace, env: dict[str, str]) -> dict[str, float]:
    key, team = ensure_requester()
    worker = start_worker(env)
    try:
        file_and_wait(args.port, key, team, timeout=120)  # the worker's start-up is not part of the figure
        times = sorted(file_and_wait(args.port, key, team) for _ in range(args.fulfilment))
    finally:
        stop_server(worker)
    p95 = times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)]
    figures = {"n": len(times), "p50": statistics.median(times), "p95": p95, "max": times[-1]}
    print(f"  submit -> fulfilled: n={len(times)} p50 {figures['p50'] * 1000:.0f} ms  p95 {p95 * 1000:.0f} ms")
    return figures


# --- Report ----------------------------------------------------------------------------------------------


def report(
    args: argparse.Namespace,
    facts: dict[str, Any],
    results: list[Result],
    assets: list[tuple[str, str]],
    fulfilment: dict[str, float] | None,
) -> str:
    targets = {"queue": 0.60, "request page": 0.50}
    lines = [
        "# Queue benchmark results",
        "",
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by `bench/queue_bench.py` on {os.cpu_count()} cores: "
        f"gunicorn {args.workers} sync workers, production settings, PostgreSQL; wrk {args.connections} connections, "
        f"{args.threads} threads, {args.warmup} s warm-up then {args.duration} s measured per page "
        f"(median ratio of {args.rounds} round{'s' if args.rounds > 1 else ''}); "
        f"logged in as `{BENCH_USER}` (Agents, member of {BENCH_TEAM} only).",
        "",
        f"Data: {facts['total']:,} requests, {facts['team']:,} in {BENCH_TEAM} "
        f"({facts['team'] / max(facts['total'], 1):.1%}). Request page: {facts['number']}.",
        "",
        "Ceiling: the bare-Django reference project's `/auth-table/` (startproject defaults, 50 rows from one "
        "PostgreSQL query behind login), served by its own gunicorn with the same settings, measured right before "
        "and right after the project's pages in each round; each ratio divides by the mean of the two. The "
        "in-app ceiling (`/bench/ceiling/`, the same table served inside Steward) is a secondary figure.",
        "",
        "| page | URL | req/s | p50 ms | p99 ms | ratio to ceiling | target | SQL queries "
        "| in-process ms / of which SQL | KiB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio = r.ratio
        target = targets.get(r.name)
        verdict = "" if target is None else f"≥ {target:.0%} {'✅' if ratio >= target else '❌'}"
        lines.append(
            f"| {r.name} | `{r.path}` | {r.rps:.1f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {ratio:.0%} | {verdict} "
            f"| {r.profile.queries}{' ❌' if r.profile.queries > 10 else ''} "
            f"| {r.profile.total_ms:.1f} / {r.profile.sql_ms:.1f} | {r.profile.size / 1024:.0f} |"
        )
    lines += [
        "",
        "In-process: the same page through Django's test client in the bench process (no HTTP, no load), "
        "mean of 10 warm requests; the SQL part is the database time Django measured for one of them.",
    ]
    if any(r.errors for r in results):
        lines += ["", "wrk reported: " + "; ".join(f"{r.name}: {r.errors}" for r in results if r.errors)]
    if fulfilment:
        p95 = fulfilment["p95"]
        lines += [
            "",
            f"Standard request (join-team) submit -> fulfilled, one Celery worker (concurrency 1) on Redis, "
            f"{fulfilment['n']:.0f} requests filed one after another through the API: p50 "
            f"{fulfilment['p50'] * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {fulfilment['max'] * 1000:.0f} ms "
            f"(target p95 < 1 s {'✅' if p95 < 1 else '❌'}).",
        ]
    lines += [
        "",
        "Static files of the queue page (served by whitenoise; cached, so a warm page needs none of them):",
        "",
    ]
    lines += [f"- `{url}`: {info}" for url, info in assets]
    return "\n".join(lines) + "\n"


def measure_round(
    args: argparse.Namespace, ceiling: Ceiling, pages: list[tuple[str, str]], cookie: str, queries: dict[str, Profile]
) -> list[Result]:
    """The ceiling, the project's pages, the ceiling again: each page's ratio to the mean of the two ceilings."""
    before = measure_ceiling(args, ceiling, "ceiling before")
    page_results = [measure(args, name, path, cookie, queries[path]) for name, path in pages]
    after = measure_ceiling(args, ceiling, "ceiling after")
    reference = (before.rps + after.rps) / 2 or 1.0
    for result in (before, *page_results, after):
        result.ratio = result.rps / reference
    return [before, *page_results, after]


def median_run(runs: tuple[Result, ...]) -> Result:
    """The run with the median ratio (the lower one of an even count): not the flattering best."""
    return sorted(runs, key=lambda r: r.ratio)[(len(runs) - 1) // 2]


def main() -> None:
    args = parse_args()
    var_dir = tempfile.mkdtemp(prefix="steward-bench-")
    env = server_env(args, var_dir)
    manage(env, "migrate", "--noinput", "-v0")  # a bench database may predate the latest migrations
    if args.seed:
        seed_env = {**env, "DJANGO_DEBUG": "true"}
        manage(seed_env, "seed_demo")
        manage(seed_env, "seed_scale", "--requests", str(args.seed))
    print("Collecting static files into", var_dir)
    manage(env, "collectstatic", "--noinput", "-v0")
    django_setup(env)
    from django.db import connection

    with connection.cursor() as cursor:
        # Planner statistics and the visibility map (ceiling.vacuum_analyze); the ceiling's database gets the same.
        cursor.execute("VACUUM ANALYZE")
    user = ensure_agent()
    facts = data_facts()
    pages = [
        ("queue", args.queue_url),
        ("request page", f"/requests/{facts['number']}/"),
        ("in-app ceiling", "/bench/ceiling/"),
    ]
    queries = count_queries(user, [path for _, path in pages])
    from django.db import connections

    connections.close_all()  # the server's workers get the database to themselves
    print(f"Data: {facts['total']:,} requests, {facts['team']:,} in {BENCH_TEAM}. Starting gunicorn on :{args.port}")
    server = start_server(args, env)
    try:
        cookie = login(args.port)
        with Ceiling(args.ceiling_dir, port=args.ceiling_port, workers=args.workers) as ceiling:
            runs = [measure_round(args, ceiling, pages, cookie, queries) for _ in range(args.rounds)]
        results = [median_run(page_runs) for page_runs in zip(*runs, strict=True)]
        assets = static_assets(args.port, args.queue_url, cookie)
        fulfilment = measure_fulfilment(args, env) if args.fulfilment else None
    finally:
        stop_server(server)
        shutil.rmtree(var_dir, ignore_errors=True)
    text = report(args, facts, results, assets, fulfilment)
    Path(args.results).write_text(text)
    print()
    print(text)


if __name__ == "__main__":
    try:
        main()
    except CeilingError as exc:
        fail(str(exc))
