#!/usr/bin/env python
"""Knowledge base search at scale, on PostgreSQL: search and suggestion latency, and the article page against
the bare-Django ceiling.

A script, not a test: see bench/README.md. It

1. creates the database if missing (default ``steward_kb_bench``; bench/gate_bench.py's create_database), migrates
   it and, with --articles N, runs ``manage.py seed_demo`` once and ``seed_scale --articles`` until N articles
   exist (100,000 take about five minutes on two cores: seed_demo ~1.5, seed_scale ~2.5), then VACUUM ANALYZE;
2. times, in this process, ``apps.knowledge`` search (the knowledge page's) and suggestions (the request form's)
   for a fixed list of queries as an end user, --samples times each: p50 and p95 of the selectors alone; and the
   search page's path for misspelt queries (search, then "did you mean" with pg_trgm);
3. serves the portal with gunicorn as bench/queue_bench.py does (production settings, 2 sync workers), logs in
   as the bench agent and times the same searches and suggestions over HTTP, one client (p50, p95): as typing
   asks for them (htmx: the search page's results fragment, the suggestions region), and the whole search page;
4. starts the ceiling (bench/ceiling.py, /auth-table/) and runs wrk against it, an article page and the ceiling
   again: the article page's ratio to the mean of the two ceiling runs (target >= 50 %).

Targets (issue 11): search and suggestion p95 under 50 ms with 100,000 articles.
Run it only on a quiet machine (`uptime` load < 1). Usage:
.venv/bin/python bench/knowledge_bench.py --articles 100000 [--database-url postgres://...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ceiling import DEFAULT_DIR as DEFAULT_CEILING_DIR  # noqa: E402  # bench/ is a folder of scripts
from ceiling import Ceiling, CeilingError  # noqa: E402
from gate_bench import create_database  # noqa: E402
from queue_bench import (  # noqa: E402
    Profile,
    count_queries,
    django_setup,
    ensure_agent,
    fail,
    http_request,
    login,
    manage,
    measure,
    measure_ceiling,
    server_env,
    start_server,
    stop_server,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/steward_kb_bench"
# Words people type: topics of the demo articles, prefixes mid-word, several words, a whole sentence.
QUERIES = [
    "vpn", "reset token", "printer", "laptop", "certificate renew", "vp", "certif", "access for onboarding",
    "mailbox", "pipeline runner", "fix alert", "how do i share a calendar", "backup", "dashboard", "licence",
]  # fmt: skip
# Misspelt words: the search page finds little and looks for a correction ("did you mean", pg_trgm).
TYPOS = ["vpm", "pasword reset", "certficate", "printr", "mailbox acess", "dashbord", "calender share"]
TARGET_MS = 50.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", DEFAULT_DB),
        help="PostgreSQL URL (created if missing).",
    )
    parser.add_argument("--articles", type=int, default=0, help="Seed until this many articles exist.")
    parser.add_argument("--samples", type=int, default=10, help="Rounds over the query list, per measurement.")
    parser.add_argument("--duration", type=int, default=20, help="Seconds of each measured wrk run.")
    parser.add_argument("--warmup", type=int, default=5, help="Seconds of the warm-up run before each.")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads.")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers.")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--ceiling-dir", type=Path, default=DEFAULT_CEILING_DIR)
    parser.add_argument("--ceiling-port", type=int, default=8802)
    parser.add_argument("--no-http", action="store_true", help="Only the in-process timings (no server, no wrk).")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/13", help="Celery broker of the server.")
    parser.add_argument("--results", default=str(ROOT / "bench" / "KNOWLEDGE_RESULTS.md"))
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        fail("set DATABASE_URL (or --database-url) to a PostgreSQL database.")
    if not args.no_http and shutil.which("wrk") is None:
        fail("wrk is missing: install it with `apt-get install -y wrk` (Debian package), or pass --no-http.")
    return args


def seed(env: dict[str, str], articles: int) -> None:
    """seed_demo once (the services and people), then seed_scale --articles for what is missing."""
    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as conn:
        have = conn.execute("SELECT count(*) FROM knowledge_article").fetchone()
        demo = conn.execute("SELECT count(*) FROM accounts_team").fetchone()
    seed_env = {**env, "DJANGO_DEBUG": "true"}
    started = time.perf_counter()
    if not demo or not demo[0]:
        manage(seed_env, "seed_demo")
        print(f"seed_demo: {time.perf_counter() - started:.0f} s", flush=True)
    missing = articles - (have[0] if have else 0)
    if missing > 0:
        started = time.perf_counter()
        manage(seed_env, "seed_scale", "--articles", str(missing))
        print(f"seed_scale --articles {missing}: {time.perf_counter() - started:.0f} s", flush=True)


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def in_process(user: Any, item: Any, samples: int) -> dict[str, tuple[float, float]]:
    """p50/p95 (ms) of the selectors behind the search page and the suggestions, for a fresh user per call."""
    from apps.accounts.models import User
    from apps.knowledge import selectors

    timings: dict[str, list[float]] = {"search": [], "suggestions": [], "search with a typo": []}
    for _ in range(samples):
        for text in QUERIES:
            reader = User.objects.get(pk=user.pk)  # per-request caches (teams, roles) start empty, as in a request
            start = time.perf_counter()
            selectors.article_search_page(selectors.article_searchable_for(reader), text, page=1)
            timings["search"].append((time.perf_counter() - start) * 1000)
            reader = User.objects.get(pk=user.pk)
            start = time.perf_counter()
            selectors.suggestions(reader, item=item, text=text)
            timings["suggestions"].append((time.perf_counter() - start) * 1000)
        for text in TYPOS:  # what the search page does: search, then look for a correction when little is found
            reader = User.objects.get(pk=user.pk)
            start = time.perf_counter()
            articles = selectors.article_searchable_for(reader)
            page = selectors.article_search_page(articles, text, page=1)
            selectors.article_did_you_mean(articles, text, found=len(page.object_list))
            timings["search with a typo"].append((time.perf_counter() - start) * 1000)
    return {name: percentiles(values) for name, values in timings.items()}


def over_http(port: int, cookie: str, item_slug: str, samples: int) -> dict[str, tuple[float, float]]:
    """p50/p95 (ms) of the search page's results fragment (and of the whole page) and of the suggestion endpoint,
    one client."""
    search = "/knowledge/?"
    urls = {
        "search": lambda text: search + urllib.parse.urlencode({"q": text}),
        "suggestions": lambda text: "/knowledge/suggest/?" + urllib.parse.urlencode({"item": item_slug, "text": text}),
    }
    timings: dict[str, list[float]] = {name: [] for name in [*urls, "search with a typo", "search page (whole)"]}
    asked = [(name, url(text)) for text in QUERIES for name, url in urls.items()]
    asked += [("search with a typo", search + urllib.parse.urlencode({"q": text})) for text in TYPOS]
    asked += [("search page (whole)", search + urllib.parse.urlencode({"q": text})) for text in QUERIES]
    for _ in range(samples):
        for name, url in asked:
            # What typing asks for: the search box and the request form ask with htmx (HX-Request), the search
            # page answering its results fragment; "search page (whole)" is a search opened from a link.
            headers = {} if name == "search page (whole)" else {"HX-Request": "true"}
            start = time.perf_counter()
            status, _, _ = http_request(port, "GET", url, cookie=cookie, headers=headers)
            timings[name].append((time.perf_counter() - start) * 1000)
            if status != 200:
                fail(f"{url} answered {status}.")
    return {name: percentiles(values) for name, values in timings.items()}


def bench_objects() -> tuple[Any, Any, str, int]:
    """An end user to search as, the VPN catalog item (suggestions), an article page, the article count."""
    from apps.accounts.models import User
    from apps.catalog.models import CatalogItem
    from apps.knowledge.models import Article

    user = User.objects.filter(username="requester").first()
    item = CatalogItem.objects.filter(service__slug="vpn").first() or CatalogItem.objects.first()
    article = Article.objects.filter(state="published", services__slug="vpn").order_by("pk").first()
    if user is None or item is None or article is None:
        fail("seed the demo data first (--articles N runs seed_demo).")
    return user, item, article.get_absolute_url(), Article.objects.count()


def report(count: int, local: dict[str, Any], http: dict[str, Any] | None, pages: list[Any], load: str) -> str:
    lines = [
        "# Knowledge bench",
        "",
        f"{count:,} articles on PostgreSQL; load average at start: {load}. Target: p95 < {TARGET_MS:.0f} ms.",
        "",
        "| measurement | p50 ms | p95 ms | target |",
        "|---|---:|---:|---|",
    ]
    for where, figures in (("in process", local), ("HTTP", http or {})):
        for name, (p50, p95) in figures.items():
            verdict = "met" if p95 < TARGET_MS else "MISSED"
            lines.append(f"| {name} ({where}) | {p50:.1f} | {p95:.1f} | {verdict} |")
    if pages:
        lines += ["", "| page | req/s | p50 ms | p99 ms | ratio to ceiling |", "|---|---:|---:|---:|---:|"]
        lines += [f"| {r.name} | {r.rps:.1f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.ratio:.0%} |" for r in pages]
    return "\n".join(lines) + "\n"


def article_page(args: argparse.Namespace, env: dict[str, str], path: str) -> tuple[dict[str, Any], list[Any]]:
    queries = count_queries(ensure_agent(), [path])
    from django.db import connections

    connections.close_all()  # the server's workers get the database to themselves
    server = start_server(args, env)
    try:
        cookie = login(args.port)
        http = over_http(args.port, cookie, user_item_slug(), args.samples)
        with Ceiling(args.ceiling_dir, port=args.ceiling_port, workers=args.workers) as ceiling:
            before = measure_ceiling(args, ceiling, "ceiling before")
            page = measure(args, "article page", path, cookie, queries.get(path, Profile(0, 0, 0, 0)))
            after = measure_ceiling(args, ceiling, "ceiling after")
    finally:
        stop_server(server)
    reference = (before.rps + after.rps) / 2 or 1.0
    for result in (before, page, after):
        result.ratio = result.rps / reference
    return http, [before, page, after]


def user_item_slug() -> str:
    from apps.catalog.models import CatalogItem

    item = CatalogItem.objects.filter(service__slug="vpn").first() or CatalogItem.objects.first()
    return item.slug if item else ""


def main() -> None:
    args = parse_args()
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    var_dir = tempfile.mkdtemp(prefix="steward-kbench-")
    env = server_env(args, var_dir)
    create_database(args.database_url)
    manage(env, "migrate", "--noinput", "-v0")
    if args.articles:
        seed(env, args.articles)
    if not args.no_http:
        manage(env, "collectstatic", "--noinput", "-v0")
    django_setup(env)
    from django.db import connection

    with connection.cursor() as cursor:
        # Planner statistics are missing right after a bulk seed, and indexing each batch (an UPDATE of its
        # rows) left a dead row per article until autovacuum comes by: vacuumed, as a running database is.
        cursor.execute("VACUUM ANALYZE")
    user, item, path, count = bench_objects()
    local = in_process(user, item, args.samples)
    http, pages = (None, []) if args.no_http else article_page(args, env, path)
    shutil.rmtree(var_dir, ignore_errors=True)
    text = report(count, local, http, pages, load)
    Path(args.results).write_text(text)
    print(text)


if __name__ == "__main__":
    try:
        main()
    except CeilingError as exc:
        fail(str(exc))
