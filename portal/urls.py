from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from apps.core.views import healthz

api_v1: list[URLPattern | URLResolver] = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("", include("apps.accounts.api.urls")),
    path("", include("apps.catalog.api.urls")),
    path("", include("apps.fulfillment.api.urls")),
    path("", include("apps.automation.api.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("bench/", include("apps.core.bench_urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("apps.accounts.urls")),
    path("requests/", include("apps.fulfillment.urls")),
    path("automation/", include("apps.automation.urls")),
    path("api/v1/", include((api_v1, "api"))),
    path("", include("apps.catalog.urls")),
]
