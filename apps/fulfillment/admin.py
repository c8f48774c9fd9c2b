"""Requests in the admin are read-only: every write goes through apps.fulfillment.services (audit, version)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.fulfillment.models import Attachment, CannedReply, Comment, SavedFilter, ServiceRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CommentInline(admin.TabularInline):
    model = Comment
    fields = readonly_fields = ("author", "body", "is_internal", "created_at")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ServiceRequest)
class ServiceRequestAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "status", "priority", "team", "requester", "created_at"]
    list_filter = ["status", "priority", "team"]
    list_select_related = ["team", "requester"]
    search_fields = ["subject", "requester__username"]
    date_hierarchy = "created_at"
    inlines = [CommentInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ServiceRequest]:
        # Staff see in the admin only what they may see in the portal.
        return ServiceRequest.objects.visible_to(request.user)


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ["filename", "request", "content_type", "size", "uploaded_by", "created_at"]
    list_select_related = ["request", "uploaded_by"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Attachment]:
        return Attachment.objects.filter(request__in=ServiceRequest.objects.visible_to(request.user))


@admin.register(SavedFilter)
class SavedFilterAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "query", "created_at"]
    list_select_related = ["user"]
    search_fields = ["name", "user__username"]
    raw_id_fields = ["user"]  # never a dropdown of every user


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    """Canned replies are managed here by administrators; agents pick them on the request page."""

    list_display = ["title", "team", "created_at"]
    list_filter = ["team"]
    list_select_related = ["team"]
    search_fields = ["title", "body", "team__name"]
    autocomplete_fields = ["team"]
