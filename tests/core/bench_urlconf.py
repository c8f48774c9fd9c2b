"""The portal's URLconf as a server started with STEWARD_BENCH_CEILING=true builds it."""

from django.urls import include, path

from portal.urls import urlpatterns as portal_urlpatterns

urlpatterns = [path("bench/", include("apps.core.bench_urls")), *portal_urlpatterns]
