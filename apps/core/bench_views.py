"""The benchmark's ceiling: the cheapest useful Django page (a 50-row table from one query, behind login).

bench/queue_bench.py compares the app's pages with this one in the same server. portal/urls.py mounts it
only when settings.STEWARD_BENCH_CEILING is on, so production shows nothing new.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.core.models import AuditEvent

ROWS = 50


@login_required
@require_GET
def bench_ceiling(request: HttpRequest) -> HttpResponse:
    """The latest 50 audit events as a table: one query plus session and user."""
    events = AuditEvent.objects.order_by("-id")[:ROWS]
    return render(request, "core/bench_ceiling.html", {"events": events})
