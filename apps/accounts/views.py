"""Profile, API tokens and the user/team pickers; login and passwords are Django's views (see urls.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.accounts import selectors, services
from apps.accounts.forms import ProfileForm, TokenCreateForm
from apps.accounts.http import signed_in_user

PICKER_LIMIT = 10


def _add_service_errors(form: TokenCreateForm | ProfileForm, exc: ValidationError, rename: dict[str, str]) -> None:
    for field, messages_ in exc.message_dict.items():
        name = rename.get(field, field)
        form.add_error(name if name in form.fields else None, messages_)


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    initial = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "timezone": user.timezone,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(user=user, actor=user, **form.cleaned_data)
        except ValidationError as exc:
            _add_service_errors(form, exc, rename={})
        else:
            messages.success(request, "Your profile was saved.")
            return redirect("accounts:profile")
    context = {"form": form, "teams": selectors.user_teams(user), "roles": selectors.user_role_names(user)}
    return render(request, "accounts/profile_edit.html", context)


@login_required
@require_GET
def token_list(request: HttpRequest) -> HttpResponse:
    tokens = selectors.token_list_for(signed_in_user(request))
    return render(request, "accounts/token_list.html", {"tokens": tokens})


@never_cache  # the result page shows the key, once: no cache may keep it
@login_required
@require_http_methods(["GET", "POST"])
def token_create(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = TokenCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            token, key = services.token_create(
                user=user, name=data["name"], scopes=data["scopes"], access=data["access"], expires_at=form.expires_at()
            )
        except ValidationError as exc:
            _add_service_errors(form, exc, rename={"expires_at": "expires_on"})
        else:
            return render(request, "accounts/token_created.html", {"token": token, "key": key})
    return render(request, "accounts/token_create.html", {"form": form})


@login_required
@require_POST
@vary_on_headers("HX-Request")
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    token = services.token_revoke(token=selectors.get_token_for_user(user, pk), actor=user)
    if request.htmx:  # type: ignore[attr-defined]  # set by django_htmx's middleware
        return render(request, "accounts/token_list.html#token-row", {"token": token})
    messages.success(request, f"The token “{token.name}” was revoked.")
    return redirect("accounts:token-list")


@login_required
@require_GET
def user_search(request: HttpRequest) -> HttpResponse:
    users = selectors.user_search(query=request.GET.get("q", ""), limit=PICKER_LIMIT)
    return render(request, "accounts/user_options.html", {"users": users})


@login_required
@require_GET
def team_search(request: HttpRequest) -> HttpResponse:
    joinable_only = request.GET.get("joinable") in {"1", "true", "yes"}
    teams = selectors.team_search(query=request.GET.get("q", ""), limit=PICKER_LIMIT, joinable_only=joinable_only)
    return render(request, "accounts/team_options.html", {"teams": teams})
