"""End users' planned maintenance page and the iCalendar feeds (each feed URL carries its owner's secret)."""

from django.urls import path

from apps.schedule import views

app_name = "schedule-public"
urlpatterns = [
    path("maintenance/", views.maintenance, name="maintenance"),
    path("feeds/<str:token>/changes.ics", views.feed_mine, name="feed-mine"),
    path("feeds/<str:token>/services/<slug:slug>.ics", views.feed_service, name="feed-service"),
    path("feeds/<str:token>/maintenance.ics", views.feed_maintenance, name="feed-maintenance"),
]
