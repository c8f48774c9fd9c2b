"""Reads of the catalog, always scoped to what the user may see."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet

from apps.accounts.models import User
from apps.catalog.models import CatalogItem, Category, FormVersion, Service

MAX_SEARCH_WORDS = 10
# The catch-all item for what the catalog does not cover: the catalog pages point at it when it is there.
HELP_ITEM_SLUG = "ask-for-help"
MAX_WORD_LENGTH = 100


def category_list() -> QuerySet[Category]:
    return Category.objects.all()


def service_queryset_for(user: User | AnonymousUser) -> QuerySet[Service]:
    """Services the user may open: every signed-in user, except retired ones (administrators see all)."""
    return Service.objects.visible_to(user).select_related("owner_team")


def service_search(user: User | AnonymousUser, *, query: str, limit: int = 10) -> QuerySet[Service]:
    """Services the user may open whose name or slug contains every word of ``query`` (pickers: never a full list)."""
    words = search_words(query)
    if not words:
        return Service.objects.none()
    services = Service.objects.visible_to(user)
    for word in words:
        services = services.filter(Q(name__icontains=word) | Q(slug__icontains=word))
    return services.only("pk", "slug", "name").order_by("name")[:limit]


def item_queryset_for(user: User | AnonymousUser) -> QuerySet[CatalogItem]:
    """Catalog items in the user's audience (published, service not retired; administrators see all)."""
    return CatalogItem.objects.visible_to(user).select_related(
        "service", "category", "fulfilling_team", "approval_team", "current_form"
    )


def search_words(q: str) -> list[str]:
    """The words of a query, bounded so a pasted essay cannot build a huge SQL statement."""
    words = [word[:MAX_WORD_LENGTH] for word in q.replace("\x00", " ").split()]
    return words[:MAX_SEARCH_WORDS]


def item_search_filter(items: QuerySet[CatalogItem], q: str) -> QuerySet[CatalogItem]:
    """Items matching every word of ``q`` in name, summary, description, service name or a tag."""
    for word in search_words(q):
        # Tags are a JSON list; its text form holds each tag between quotes on SQLite and PostgreSQL.
        items = items.filter(
            Q(name__icontains=word)
            | Q(summary__icontains=word)
            | Q(description__icontains=word)
            | Q(service__name__icontains=word)
            | Q(service__tags__icontains=word)
        )
    return items


def item_search(user: User | AnonymousUser, q: str) -> QuerySet[CatalogItem]:
    return item_search_filter(item_queryset_for(user), q)


def help_item_for(user: User | AnonymousUser) -> CatalogItem | None:
    """The "Ask for help" item when the user may file it (one query); None in a catalog without one."""
    return CatalogItem.objects.visible_to(user).filter(slug=HELP_ITEM_SLUG).only("pk", "slug", "name").first()


def categories_with_items_for(user: User | AnonymousUser) -> list[Category]:
    """Categories that hold at least one visible item, each with ``visible_items`` prefetched."""
    items = item_queryset_for(user).order_by("name")
    categories = category_list().prefetch_related(Prefetch("items", queryset=items, to_attr="visible_items"))
    return [category for category in categories if category.visible_items]


# --- The catalog builder (catalog managers see every service and item, drafts and retired ones included) ----


def item_manage_queryset() -> QuerySet[CatalogItem]:
    return CatalogItem.objects.select_related("service", "category", "fulfilling_team", "current_form").order_by(
        "name", "pk"
    )


def service_manage_queryset() -> QuerySet[Service]:
    return Service.objects.select_related("owner_team").annotate(item_count=Count("items")).order_by("name", "pk")


def form_versions_for(item: CatalogItem) -> QuerySet[FormVersion]:
    """The item's form versions, newest first, each with ``request_count``: the requests filed with it.

    ``requests`` is the reverse name of apps.fulfillment's ServiceRequest.form_version (no import: the
    catalog sits below fulfillment).
    """
    return (
        FormVersion.objects.filter(item=item)
        .select_related("created_by")
        .annotate(request_count=Count("requests"))
        .order_by("-number")
    )
