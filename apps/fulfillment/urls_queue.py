"""/requests/queue/: the agent queue, in the "fulfillment" namespace (included by apps/fulfillment/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from apps.fulfillment.views import queue as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.queue, name="queue"),
    path("export.csv", views.queue_export, name="queue-export"),
    path("bulk/", views.queue_bulk, name="queue-bulk"),
    path("filters/", views.queue_filter_save, name="queue-filter-save"),
    path("filters/<int:pk>/", views.queue_filter_apply, name="queue-filter-apply"),
    path("filters/<int:pk>/delete/", views.queue_filter_delete, name="queue-filter-delete"),
    path("<request_number:number>/assign-me/", views.request_assign_me, name="request-assign-me"),
]
