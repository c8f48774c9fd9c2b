"""HTML forms of the knowledge base: thin input checks; the rules live in services and permissions."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from apps.accounts.models import Team, User
from apps.catalog.models import CatalogItem, Service
from apps.core.surrogates import SurrogateSafeFormMixin
from apps.knowledge.choices import ArticleAudience, ArticleState
from apps.knowledge.models import Article, Revision
from apps.knowledge.querysets import team_ids
from apps.knowledge.services import ArticleData
from apps.knowledge.services.feedback import MAX_COMMENT_CHARS


def _style(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
            continue
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)


class ArticleForm(SurrogateSafeFormMixin, forms.Form):
    title = forms.CharField(max_length=200)
    summary = forms.CharField(max_length=300, required=False, help_text="One or two sentences shown in results.")
    body_md = forms.CharField(
        label="Body (Markdown)",
        required=False,
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "true"}),
        help_text="CommonMark with tables, fenced code and task lists. HTML is shown as text.",
    )
    owner_team = forms.ModelChoiceField(queryset=Team.objects.none(), to_field_name="slug")
    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.order_by("name"), to_field_name="slug", required=False
    )
    items = forms.ModelMultipleChoiceField(
        label="Catalog items", queryset=CatalogItem.objects.order_by("name"), to_field_name="slug", required=False
    )
    tags = forms.CharField(max_length=500, required=False, help_text="Separated by commas.")
    audience = forms.ChoiceField(choices=ArticleAudience.choices)
    audience_teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.order_by("name"), to_field_name="slug", required=False, help_text="For “Some teams”."
    )
    review_by = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    message = forms.CharField(label="What changed", max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = Team.objects.order_by("name")
        owner_team = cast(forms.ModelChoiceField, self.fields["owner_team"])
        owner_team.queryset = teams if user.is_superuser else teams.filter(pk__in=team_ids(user))
        _style(self)

    @classmethod
    def initial_for(cls, article: Article) -> dict[str, Any]:
        return {
            "title": article.title,
            "summary": article.summary,
            "body_md": article.body_md,
            "owner_team": article.owner_team.slug,
            "services": [s.slug for s in article.services.all()],
            "items": [i.slug for i in article.items.all()],
            "tags": ", ".join(article.tags.values_list("name", flat=True)),
            "audience": article.audience,
            "audience_teams": [t.slug for t in article.audience_teams.all()],
            "review_by": article.review_by,
            "version": article.version,
        }

    def article_data(self) -> ArticleData:
        data = self.cleaned_data
        return ArticleData(
            title=data["title"],
            owner_team=data["owner_team"],
            summary=data["summary"],
            body_md=data["body_md"],
            services=list(data["services"]),
            items=list(data["items"]),
            tags=[tag for tag in data["tags"].split(",") if tag.strip()],
            audience=data["audience"],
            audience_teams=list(data["audience_teams"]),
            review_by=data["review_by"],
        )


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=ArticleState.choices)
    replaced_by = forms.ModelChoiceField(queryset=Article.objects.none(), to_field_name="slug", required=False)

    def __init__(self, *args: Any, replacements: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if replacements is not None:
            cast(forms.ModelChoiceField, self.fields["replaced_by"]).queryset = replacements
        _style(self)


class FeedbackForm(SurrogateSafeFormMixin, forms.Form):
    helped = forms.TypedChoiceField(
        label="Did this help?", choices=[("yes", "Yes"), ("no", "No")], coerce=lambda value: value == "yes"
    )
    comment = forms.CharField(
        required=False, max_length=MAX_COMMENT_CHARS, widget=forms.Textarea(attrs={"rows": 2}), label="Comment"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class DiffForm(forms.Form):
    old = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    new = forms.IntegerField(min_value=1, max_value=2**31 - 1)

    def revisions(self, article: Article) -> tuple[Revision, Revision] | None:
        found = {
            r.number: r
            for r in article.revisions.filter(number__in=[self.cleaned_data["old"], self.cleaned_data["new"]])
        }
        old, new = found.get(self.cleaned_data["old"]), found.get(self.cleaned_data["new"])
        return None if old is None or new is None else (old, new)


class PeriodForm(forms.Form):
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            self.add_error("end", "The end comes on or after the start.")
        return cleaned


class AttachmentForm(forms.Form):
    """A file or image for an article; apps.core.uploads checks its size, type and content."""

    file = forms.FileField(help_text="Images show in the article when its Markdown names them: ![text](address).")
