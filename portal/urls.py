from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from apps.core.views import bad_request, docs_login_required, healthz, page_not_found, permission_denied

# Django's 400 handler; it answers 413 for a body over its route's limit (RequestDataTooBig).
handler400 = bad_request
# Branded pages (templates/403.html, 404.html) and JSON under /api/; handler500 stays Django's (templates/500.html).
handler403 = permission_denied
handler404 = page_not_found

api_v1: list[URLPattern | URLResolver] = [
    # First: pipelines poll the deployment gate, the busiest URL; every pattern tried before it costs each poll.
    path("", include("apps.changes.api.urls")),
    # Who may read the schema and docs: settings.STEWARD_API_DOCS_PUBLIC (SPECTACULAR_SETTINGS' permission).
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the docs page needs no inline script (CSP).
    path("docs/", docs_login_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema")), name="docs"),
    path("redoc/", docs_login_required(SpectacularRedocView.as_view(url_name="api:schema")), name="redoc"),
    path("", include("apps.accounts.api.urls")),
    path("", include("apps.catalog.api.urls")),
    path("", include("apps.approvals.api.urls")),
    path("", include("apps.fulfillment.api.urls")),
    path("", include("apps.automation.api.urls")),
    path("", include("apps.knowledge.api.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include((api_v1, "api"))),  # early: its prefix is its own, and pipelines poll under it
    path("admin/", admin.site.urls),
    path("accounts/", include("apps.accounts.urls")),
    path("requests/", include("apps.fulfillment.urls")),
    path("approvals/", include("apps.approvals.urls")),
    path("automation/", include("apps.automation.urls")),
    path("changes/calendar/", include("apps.schedule.urls")),  # before changes/: its own prefix
    path("changes/", include("apps.changes.urls")),
    path("knowledge/", include("apps.knowledge.urls")),
    path("", include("apps.schedule.public_urls")),  # /maintenance/ and /feeds/
    path("", include("apps.catalog.urls")),
]

if settings.STEWARD_BENCH_CEILING:
    # The benchmark's ceiling page exists only on a server started for bench/queue_bench.py.
    urlpatterns.insert(1, path("bench/", include("apps.core.bench_urls")))
