from django.urls import path, register_converter

from apps.approvals.views import approval_inbox_moved
from apps.fulfillment.views import queue
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
    # The agent queue.
    path("queue/", queue.queue, name="queue"),
    path("queue/export.csv", queue.queue_export, name="queue-export"),
    path("queue/bulk/", queue.queue_bulk, name="queue-bulk"),
    path("queue/filters/", queue.queue_filter_save, name="queue-filter-save"),
    path("queue/filters/<int:pk>/", queue.queue_filter_apply, name="queue-filter-apply"),
    path("queue/filters/<int:pk>/delete/", queue.queue_filter_delete, name="queue-filter-delete"),
    path("queue/<request_number:number>/assign-me/", queue.request_assign_me, name="request-assign-me"),
    # The approver's inbox moved to apps.approvals (/approvals/); old bookmarks get a permanent redirect.
    path("approvals/", approval_inbox_moved, name="approval-inbox-moved"),
    # A request's own pages.
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
