"""HTML pages of the knowledge base: search, the article page, history and diff, writing, review and reports."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import BaseForm
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.accounts.http import AuthedRequest
from apps.catalog.models import CatalogItem
from apps.core.http import is_fragment
from apps.core.links import site_url
from apps.knowledge import search, selectors, services
from apps.knowledge.choices import TRANSITIONS, ArticleState
from apps.knowledge.exceptions import InvalidTransition, StaleArticle
from apps.knowledge.filters import ArticleFilterSet
from apps.knowledge.forms import ArticleForm, AttachmentForm, DiffForm, FeedbackForm, PeriodForm, TransitionForm
from apps.knowledge.models import Article, ArticleAttachment
from apps.knowledge.permissions import (
    can_create_article,
    can_edit_article,
    can_edit_text,
    can_publish_article,
    get_article_for_user,
)
from apps.knowledge.querysets import is_agent
from apps.knowledge.registry import get_link_subject

PAGE_SIZE = 20
DETAIL = "knowledge/article_detail.html"
REPORT_DAYS = 30


def _add_errors(form: BaseForm, exc: ValidationError) -> None:
    for name, errors in (exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}).items():
        form.add_error(name if name in form.fields else None, errors)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def article_list(request: AuthedRequest) -> HttpResponse:
    """Articles the user may read, filtered; with ``q``, ranked by the search backend with snippets."""
    filterset = ArticleFilterSet(request.GET, queryset=selectors.article_queryset_for(request.user), request=request)
    template = "knowledge/article_list.html#results" if is_fragment(request) else "knowledge/article_list.html"
    if not filterset.is_valid():
        return render(request, template, {"filterset": filterset, "page": None}, status=400)
    text = filterset.form.cleaned_data.get("q") or ""
    did_you_mean = None
    page: Any
    if text:
        articles = filterset.qs if filterset.form.cleaned_data.get("state") else filterset.qs.filter(state="published")
        page = selectors.article_search_page(articles, text, page=request.GET.get("page"))
        if page.number == 1:
            did_you_mean = selectors.article_did_you_mean(articles, text, found=len(page.object_list))
    else:
        rows = filterset.qs.prefetch_related("tags").order_by("title", "pk")
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "page": page,
        "searching": bool(text),
        "did_you_mean": did_you_mean,
        "can_create": can_create_article(request.user),
    }
    return render(request, template, context)


def _record_open(request: AuthedRequest, article: Article) -> None:
    """Count an article opened from the suggestions of a request form (its link carries ``from``)."""
    slug = request.GET.get("from", "")
    if not slug or article.state != ArticleState.PUBLISHED:
        return
    item = CatalogItem.objects.visible_to(request.user).filter(slug=slug[:100]).values_list("pk", flat=True).first()
    if item is not None:
        services.suggestion_opened(article=article, item_id=item, user=request.user)


def _detail_context(request: AuthedRequest, article: Article, **extra: Any) -> dict[str, Any]:
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
        "attachments": article.attachments.all(),
        "attachment_form": AttachmentForm(),
        **extra,
    }


@login_required
@require_GET
def article_detail(request: AuthedRequest, slug: str) -> HttpResponse:
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
def article_feedback(request: AuthedRequest, slug: str) -> HttpResponse:
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
def article_create(request: AuthedRequest) -> HttpResponse:
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
def article_edit(request: AuthedRequest, slug: str) -> HttpResponse:
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
def article_transition(request: AuthedRequest, slug: str) -> HttpResponse:
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
def article_history(request: AuthedRequest, slug: str) -> HttpResponse:
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
def article_restore(request: AuthedRequest, slug: str, number: int) -> HttpResponse:
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
def article_needs_review(request: AuthedRequest) -> HttpResponse:
    """Published articles of the reader's teams past their review-by date."""
    articles = selectors.needs_review(request.user).prefetch_related("tags")
    return render(request, "knowledge/article_needs_review.html", {"articles": articles})


@login_required
@require_GET
def article_suggest(request: AuthedRequest) -> HttpResponse:
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
def article_report(request: AuthedRequest) -> HttpResponse:
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


# --- Panels other pages load lazily (request page, catalog search): they cost those pages nothing -----------

LINK_PANEL = "knowledge/link_panel.html"
LINK_RESULTS = 8
CATALOG_RESULTS = 5


def _link_context(request: AuthedRequest, subject_type: str, subject_id: str, **extra: Any) -> dict[str, Any]:
    handler, subject = get_link_subject(request.user, subject_type, subject_id)
    return {
        "subject_type": subject_type,
        "subject_id": subject_id,
        "subject": subject,
        "reply_field": handler.reply_field,
        "can_link": handler.can_link(request.user, subject),
        "linked": selectors.linked_articles(request.user, subject_type=subject_type, subject_id=subject_id),
        **extra,
    }


@login_required
@require_GET
def link_panel(request: AuthedRequest, subject_type: str, subject_id: str) -> HttpResponse:
    """The articles linked to a subject (e.g. a request), and for its agents a search to insert and link more."""
    return render(request, LINK_PANEL, _link_context(request, subject_type, subject_id))


@login_required
@require_GET
def link_search(request: AuthedRequest, subject_type: str, subject_id: str) -> HttpResponse:
    """Search as one types, for the people who may link: each hit can be inserted into the reply or linked."""
    context = _link_context(request, subject_type, subject_id)
    if not context["can_link"]:
        raise PermissionDenied("Only the people who work on it link articles to it.")
    text = request.GET.get("q", "")[:200]
    hits = search.search(selectors.article_searchable_for(request.user), text, limit=LINK_RESULTS)
    return render(request, f"{LINK_PANEL}#results", {**context, "hits": hits, "q": text})


def _link_write(
    request: AuthedRequest, subject_type: str, subject_id: str, *, link: bool, answer: bool = False
) -> HttpResponse:
    slug = request.POST.get("article", "")[:220]
    article = get_object_or_404(selectors.article_queryset_for(request.user), slug=slug)
    write = services.article_link if link else services.article_unlink
    error = ""
    try:
        write(article=article, subject_type=subject_type, subject_id=subject_id, actor=request.user)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    context = _link_context(request, subject_type, subject_id, error=error)
    if not is_fragment(request) and not error and hasattr(context["subject"], "get_absolute_url"):
        return redirect(context["subject"])
    response = render(request, LINK_PANEL, context, status=400 if error and not is_fragment(request) else 200)
    if answer and not error:
        # static/js/knowledge-link.js puts the text into the reply box once the link is recorded. JSON with
        # ASCII escapes: a header carries no raw non-Latin-1 text, and htmx reads the escapes back. The box is
        # named "field": htmx takes a "target" key of the detail as the element to fire the event on.
        text = selectors.article_reply_text(article, url=site_url(article.get_absolute_url()))
        response["HX-Trigger"] = json.dumps({"knowledgeInsert": {"field": context["reply_field"], "text": text}})
    return response


@login_required
@require_POST
def link_create(request: AuthedRequest, subject_type: str, subject_id: str) -> HttpResponse:
    """Link the posted ``article`` (slug) to the subject; the panel comes back (htmx) or the subject's page."""
    return _link_write(request, subject_type, subject_id, link=True)


@login_required
@require_POST
def link_answer(request: AuthedRequest, subject_type: str, subject_id: str) -> HttpResponse:
    """One click: link the posted ``article`` to the subject and put its title, summary and address into the
    reply box (htmx; without JavaScript the link is made and the subject's page comes back)."""
    return _link_write(request, subject_type, subject_id, link=True, answer=True)


@login_required
@require_POST
def link_delete(request: AuthedRequest, subject_type: str, subject_id: str) -> HttpResponse:
    return _link_write(request, subject_type, subject_id, link=False)


@login_required
@require_GET
def catalog_panel(request: AuthedRequest) -> HttpResponse:
    """Articles matching the catalog search's words, shown beside the items (templates/catalog/item_search.html)."""
    text = request.GET.get("q", "")[:200]
    hits = search.search(selectors.article_searchable_for(request.user), text, limit=CATALOG_RESULTS)
    return render(request, "knowledge/catalog_panel.html", {"hits": hits, "q": text})


# --- Files and images of an article -------------------------------------------------------------------------


@login_required
@require_POST
def attachment_create(request: AuthedRequest, slug: str) -> HttpResponse:
    """Upload a file to the article (its writers); the files region comes back with errors beside the field."""
    article = get_article_for_user(request.user, slug, for_edit=True)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(article=article, upload=form.cleaned_data["file"], actor=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
    if not is_fragment(request) and not form.errors:
        return redirect(article)
    status = 200 if is_fragment(request) or not form.errors else 400
    context = _detail_context(request, article, attachment_form=form if form.errors else AttachmentForm())
    return render(request, f"{DETAIL}#attachments" if is_fragment(request) else DETAIL, context, status=status)


@login_required
@require_POST
def attachment_delete(request: AuthedRequest, slug: str, pk: int) -> HttpResponse:
    article = get_article_for_user(request.user, slug, for_edit=True)
    attachment = get_object_or_404(ArticleAttachment, article=article, pk=pk)
    services.attachment_remove(attachment=attachment, actor=request.user)
    if is_fragment(request):
        return render(request, f"{DETAIL}#attachments", _detail_context(request, article))
    return redirect(article)


@login_required
@require_GET
def attachment_download(request: AuthedRequest, slug: str, pk: int) -> FileResponse:
    """The file, to those who may read the article: images inline (the body shows them), the rest downloaded."""
    article = get_article_for_user(request.user, slug)
    attachment = get_object_or_404(ArticleAttachment, article=article, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The file is gone.") from exc
    response = FileResponse(
        handle,
        as_attachment=not attachment.is_image,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    # Checked PNG/JPEG/GIF only are inline; nosniff and a sandbox keep any file from running as a page.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
