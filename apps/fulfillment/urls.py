from django.urls import include, path, register_converter

from apps.fulfillment.views import requests as views


class RequestNumberConverter:
    """``SR-000123``: the number requests are known by in URLs (apps.fulfillment.models.format_number)."""

    regex = "[Ss][Rr]-[0-9]{1,18}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return str(value)


register_converter(RequestNumberConverter, "request_number")

app_name = "fulfillment"
urlpatterns = [
    path("", views.request_mine, name="request-mine"),
    path("queue/", include("apps.fulfillment.urls_queue")),
    path("approvals/", include("apps.fulfillment.urls_approvals")),
    path("new/<slug:item_slug>/", views.request_create, name="request-create"),
    path("<request_number:number>/", views.request_detail, name="request-detail"),
    path("<request_number:number>/transition/", views.request_transition, name="request-transition"),
    path("<request_number:number>/work/", views.request_work, name="request-work"),
    path("<request_number:number>/comments/", views.comment_create, name="comment-create"),
    path("<request_number:number>/attachments/", views.attachment_create, name="attachment-create"),
    path(
        "<request_number:number>/attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment-download",
    ),
    path("<request_number:number>/watchers/", views.watcher_add, name="watcher-add"),
    path("<request_number:number>/watchers/<int:user_id>/remove/", views.watcher_remove, name="watcher-remove"),
]
