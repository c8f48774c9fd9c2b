from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from apps.core.views import bad_request, docs_login_required, healthz

# Django's 400 handler; it answers 413 for a body over its route's limit (RequestDataTooBig).
handler400 = bad_request

api_v1: list[URLPattern | URLResolver] = [
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
    path("", include("apps.changes.api.urls")),
    path("", include("apps.knowledge.api.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("apps.accounts.urls")),
    path("requests/", include("apps.fulfillment.urls")),
    path("approvals/", include("apps.approvals.urls")),
    path("automation/", include("apps.automation.urls")),
    path("changes/", include("apps.changes.urls")),
    path("knowledge/", include("apps.knowledge.urls")),
    path("api/v1/", include((api_v1, "api"))),
    path("", include("apps.catalog.urls")),
]

if settings.STEWARD_BENCH_CEILING:
    # The benchmark's ceiling page exists only on a server started for bench/queue_bench.py.
    urlpatterns.insert(1, path("bench/", include("apps.core.bench_urls")))
