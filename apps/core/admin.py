"""Operators inspect the notification outbox here (read-only): what is pending, stuck or failed, and why."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.text import Truncator

from apps.core.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "event_key", "recipient", "channel", "status", "attempts", "error", "sent_at"]
    list_filter = ["status", "channel"]
    search_fields = ["recipient", "event_key", "subject"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Notification._meta.fields]
    show_full_result_count = False  # the outbox grows with every event: no COUNT(*) over it per page

    @admin.display(description="last error")
    def error(self, obj: Notification) -> str:
        return Truncator(obj.last_error).chars(80)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
