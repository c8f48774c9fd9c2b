"""The benchmark's ceiling page, under /bench/ (see apps.core.bench_views)."""

from django.urls import URLPattern, URLResolver, path

from apps.core import bench_views

app_name = "bench"
urlpatterns: list[URLPattern | URLResolver] = [
    path("ceiling/", bench_views.bench_ceiling, name="ceiling"),
]
