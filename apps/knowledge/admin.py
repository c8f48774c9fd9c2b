from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.knowledge.models import (
    Article,
    ArticleAttachment,
    ArticleLink,
    ArticleSlug,
    Feedback,
    ReviewPolicy,
    Revision,
    Tag,
)


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    """Read-mostly: text and states change through the knowledge pages (revisions, audit, search index)."""

    list_display = ["title", "state", "owner_team", "audience", "review_by", "updated_at"]
    list_filter = ["state", "audience", "owner_team"]
    search_fields = ["title", "slug"]
    readonly_fields = ["title", "slug", "summary", "body_md", "state", "version", "created_by", "last_author", "views"]
    exclude = ["search_vector"]
    raw_id_fields = ["replaced_by"]


@admin.register(ReviewPolicy)
class ReviewPolicyAdmin(admin.ModelAdmin):
    list_display = ["team", "requires_review"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ["article", "number", "author", "created_at", "message"]
    readonly_fields = ["article", "number", "author", "message", "title", "summary", "body_md"]


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["article", "revision", "user", "helped", "created_at"]
    list_filter = ["helped"]


@admin.register(ArticleSlug)
class ArticleSlugAdmin(admin.ModelAdmin):
    list_display = ["slug", "article", "created_at"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services (with their audit events and checks): the admin lists and shows them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ArticleLink)
class ArticleLinkAdmin(ReadOnlyAdmin):
    """Links are made and removed on the request page (services.article_link / article_unlink, audited)."""

    list_display = ["article", "subject_type", "subject_id", "linked_by", "linked_at"]
    list_filter = ["subject_type"]
    list_select_related = ["article", "linked_by"]
    search_fields = ["article__title", "subject_id"]


@admin.register(ArticleAttachment)
class ArticleAttachmentAdmin(ReadOnlyAdmin):
    """Files are uploaded and removed on the article page, where the upload checks run (services.attachments)."""

    list_display = ["filename", "article", "content_type", "size", "uploaded_by", "created_at"]
    list_filter = ["content_type"]
    list_select_related = ["article", "uploaded_by"]
    search_fields = ["filename", "article__title"]
