from django.contrib import admin

from apps.knowledge.models import Article, ArticleSlug, Feedback, ReviewPolicy, Revision, Tag


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
