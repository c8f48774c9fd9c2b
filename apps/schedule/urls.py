"""The change calendar under /changes/calendar/ (mounted before apps.changes' own URLs)."""

from django.urls import path

import apps.changes.urls  # noqa: F401  # registers the change_number converter used below
from apps.schedule import views

app_name = "schedule"
urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("events/", views.events, name="events"),
    path("forward/", views.forward, name="forward"),
    path("cab/", views.cab, name="cab"),
    path("windows/new/", views.window_create, name="window-create"),
    path("windows/preview/", views.window_preview, name="window-preview"),
    path("windows/<int:pk>/edit/", views.window_edit, name="window-edit"),
    path("feed-token/", views.feed_token_regenerate, name="feed-token"),
    path("feed-token/revoke/", views.feed_token_revoke, name="feed-token-revoke"),
    path("<change_number:number>/panel/", views.panel, name="panel"),
    path("<change_number:number>/move/", views.move, name="move"),
]
