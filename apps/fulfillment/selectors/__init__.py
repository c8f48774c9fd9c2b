"""Reads of service requests: one module per page family (requests, queue, approvals)."""

from apps.fulfillment.selectors.requests import (
    TimelineEntry,
    comments_for,
    describe_event,
    request_detail_get,
    request_mine_queryset,
    request_queryset_for,
    request_timeline,
)

__all__ = [
    "TimelineEntry",
    "comments_for",
    "describe_event",
    "request_detail_get",
    "request_mine_queryset",
    "request_queryset_for",
    "request_timeline",
]
