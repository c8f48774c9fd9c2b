"""HTML pages of the knowledge base: search, the article page, history and diff, writing, review and reports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.catalog.models import CatalogItem
from apps.core.http import is_fragment
from apps.knowledge import selectors, services
from apps.knowledge.choices import TRANSITIONS, ArticleState
from apps.knowledge.exceptions import InvalidTransition, StaleArticle
from apps.knowledge.filters import ArticleFilterSet
from apps.knowledge.forms import ArticleForm, DiffForm, FeedbackForm, PeriodForm, TransitionForm
from apps.knowledge.models import Article
from apps.knowledge.permissions import (
    can_create_article,
    can_edit_article,
    can_edit_text,
    can_publish_article,
    get_article_for_user,
)
from apps.knowledge.querysets import is_agent

PAGE_SIZE = 20
DETAIL = "knowledge/article_detail.html"
REPORT_DAYS = 30


def _add_errors(form: BaseForm, exc: ValidationError) -> None:
    for name, errors in (exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}).items():
        form.add_error(name if name in form.fields else None, errors)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def article_list(request: HttpRequest) -> HttpResponse:
    """Articles the user may read, filtered; with ``q``, ranked by the search backend with snippets."""
    filterset = ArticleFilterSet(request.GET, queryset=selectors.article_queryset_for(request.user), request=request)
    template = "knowledge/article_list.html#results" if is_fragment(request) else "knowledge/article_list.html"
    if not filterset.is_valid():
        return render(request, template, {"filterset": filterset, "page": None}, status=400)
    text = filterset.form.cleaned_data.get("q") or ""
    rows: Any = filterset.qs.prefetch_related("tags").order_by("title", "pk")
    if text:
        articles = filterset.qs if filterset.form.cleaned_data.get("state") else filterset.qs.filter(state="published")
        rows = selectors.article_search(articles, text)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "page": page,
        "searching": bool(text),
        "can_create": can_create_article(request.user),
    }
    return render(request, template, context)


def _record_open(request: HttpRequest, article: Article) -> None:
    """Count an article opened from the suggestions of a request form (its link carries ``from``)."""
    slug = request.GET.get("from", "")
    if not slug or article.state != ArticleState.PUBLISHED:
        return
    item = CatalogItem.objects.visible_to(request.user).filter(slug=slug[:100]).values_list("pk", flat=True).first()
    if item is not None:
        services.suggestion_opened(article=article, item_id=item, user=request.user)


def _detail_context(request: HttpRequest, article: Article, **extra: Any) -> dict[str, Any]:
    user = request.user
    revision = article.revisions.order_by("-number").first()
    voted = revision is not None and revision.feedback.filter(user_id=user.pk or 0).exists()
    moves = [s for s in ArticleState if s in TRANSITIONS.get(article.state, frozenset())]
    return {
        "article": article,
        "stale": selectors.is_stale(article),
        "can_edit": can_edit_text(user, article),
        "can_move": can_edit_article(user, article),
        "can_publish": can_publish_article(user, article),
        "moves": moves,
        "revision": revision,
        "voted": voted,
        "feedback_form": FeedbackForm(),
        **extra,
    }


@login_required
@require_GET
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    article = (
        selectors.article_queryset_for(request.user).prefetch_related("services", "tags").filter(slug=slug).first()
    )
    if article is None:
        moved = selectors.article_by_old_slug(request.user, slug)
        if moved is None:
            raise Http404("No such article.")
        return redirect(moved, permanent=True)
    services.article_record_view(article=article)
    _record_open(request, article)
    return render(request, DETAIL, _detail_context(request, article))


@login_required
@require_POST
def article_feedback(request: HttpRequest, slug: str) -> HttpResponse:
    """ "Did this help?": the feedback region comes back (htmx) or the page, with errors next to the form."""
    article = get_article_for_user(request.user, slug)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            services.feedback_give(article=article, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if not is_fragment(request):
                messages.success(request, "Thank you: your answer is recorded.")
                return redirect(article)
    template = f"{DETAIL}#feedback" if is_fragment(request) else DETAIL
    return render(request, template, _detail_context(request, article, feedback_form=form))


@login_required
@require_http_methods(["GET", "POST"])
def article_create(request: HttpRequest) -> HttpResponse:
    if not can_create_article(request.user):
        raise PermissionDenied("Agents and managers write articles for their teams.")
    form = ArticleForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            article = services.article_create(
                actor=request.user, data=form.article_data(), message=form.cleaned_data["message"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "The article is saved as a draft.")
            return redirect(article)
    return render(request, "knowledge/article_form.html", {"form": form, "article": None})


@login_required
@require_http_methods(["GET", "POST"])
def article_edit(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_article_for_user(request.user, slug, for_edit=True)
    if not can_edit_text(request.user, article):
        raise PermissionDenied("A retired article is moved back to draft before it is edited.")
    form = ArticleForm(request.POST or None, user=request.user, initial=ArticleForm.initial_for(article))
    if request.method == "POST" and form.is_valid():
        data, cleaned = form.article_data(), form.cleaned_data
        data.replaced_by = article.replaced_by
        try:
            article = services.article_update(
                article=article, actor=request.user, data=data, message=cleaned["message"], version=cleaned["version"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except StaleArticle as exc:
            form.add_error(None, exc.message)
            return render(request, "knowledge/article_form.html", {"form": form, "article": article}, status=409)
        else:
            messages.success(request, "Saved as a new revision.")
            return redirect(article)
    return render(request, "knowledge/article_form.html", {"form": form, "article": article})


@login_required
@require_POST
def article_transition(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_article_for_user(request.user, slug, for_edit=True)
    replacements = selectors.article_searchable_for(request.user).exclude(pk=article.pk)
    form = TransitionForm(request.POST, replacements=replacements)
    if not form.is_valid():
        messages.error(request, "Choose a state (and a replacement among published articles).")
        return redirect(article)
    try:
        to, replaced_by = form.cleaned_data["to"], form.cleaned_data["replaced_by"]
        article = services.article_transition(article=article, to=to, actor=request.user, replaced_by=replaced_by)
    except (InvalidTransition, StaleArticle) as exc:
        messages.error(request, exc.message)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"The article is now {article.get_state_display().lower()}.")
    return redirect(article)


@login_required
@require_GET
def article_history(request: HttpRequest, slug: str) -> HttpResponse:
    """Revisions, and with ``?old=&new=`` an inline diff of two of them; for people who may edit."""
    article = get_article_for_user(request.user, slug, for_edit=True)
    diff, pair = None, None
    form = DiffForm(request.GET or None)
    if form.is_bound and form.is_valid():
        pair = form.revisions(article)
        if pair is None:
            raise Http404("No such revision.")
        diff = selectors.revision_diff(*pair)
    context = {"article": article, "revisions": selectors.revision_list(article), "diff": diff, "pair": pair}
    return render(request, "knowledge/article_history.html", {**context, "diff_form": form})


@login_required
@require_POST
def article_restore(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    article = get_article_for_user(request.user, slug, for_edit=True)
    revision = get_object_or_404(article.revisions, number=number)
    try:
        article = services.article_restore(article=article, revision=revision, actor=request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Revision {number} is restored as a new revision.")
    return redirect("knowledge:article-history", slug=article.slug)


@login_required
@require_GET
def article_needs_review(request: HttpRequest) -> HttpResponse:
    """Published articles of the reader's teams past their review-by date."""
    articles = selectors.needs_review(request.user).prefetch_related("tags")
    return render(request, "knowledge/article_needs_review.html", {"articles": articles})


@login_required
@require_GET
def article_suggest(request: HttpRequest) -> HttpResponse:
    """Up to five articles for the item being filed and the text typed (the request form asks as one types)."""
    item = None
    slug = request.GET.get("item", "")[:100]
    if slug:
        item = get_object_or_404(CatalogItem.objects.visible_to(request.user), slug=slug)
    hits = selectors.suggestions(request.user, item=item, text=request.GET.get("text", "")[:500])
    if item is not None and hits:
        services.suggestions_shown(article_ids=[hit.article.pk for hit in hits], item_id=item.pk)
    return render(request, "knowledge/suggestions.html", {"hits": hits, "item": item})


@login_required
@require_GET
def article_report(request: HttpRequest) -> HttpResponse:
    """For agents and managers: least helpful and most viewed articles, and deflection over a period."""
    if not is_agent(request.user):
        raise PermissionDenied("Reports are for agents and managers.")
    today = timezone.localdate()
    default = {"start": today - dt.timedelta(days=REPORT_DAYS), "end": today}
    form = PeriodForm(request.GET or default)
    period = form.cleaned_data if form.is_valid() else default
    context = {
        "form": form,
        "period": period,
        "deflection": selectors.deflection_report(start=period["start"], end=period["end"]),
        **selectors.helpfulness_report(request.user),
    }
    return render(request, "knowledge/article_report.html", context, status=200 if form.is_valid() else 400)
