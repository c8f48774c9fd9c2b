"""HTML views of risk-policy authoring: versions, the editor, test cases, try it, back-tests, diff, activation."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import BaseForm
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.accounts.http import AuthedRequest
from apps.changes import policy_access as access
from apps.changes.models import Change, PolicyBacktest, PolicyRule, PolicyTestCase, RiskPolicy
from apps.changes.permissions import get_change_for_user
from apps.changes.policy import assess, rule_check
from apps.changes.policy import diff as diffs
from apps.changes.policy.attributes import ATTRIBUTE_LIST, example_rule
from apps.changes.policy_forms import (
    ActivateForm,
    BacktestForm,
    DiffForm,
    MovedFilterForm,
    PolicyBandsForm,
    RuleCheckForm,
    RuleForm,
    TestCaseForm,
    TierFromChangeForm,
    TryForm,
)
from apps.changes.selectors import change_queryset_for
from apps.changes.services import backtest as backtests
from apps.changes.services import policies, versions
from apps.changes.services.scoring import policy_spec
from apps.core.http import is_fragment
from apps.core.selectors import audit_events_for

EDITOR = "changes/policy/policy_detail.html"
MOVED_PAGE = 50


def _add_errors(form: BaseForm, exc: ValidationError) -> None:
    for name, errors in (exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}).items():
        form.add_error(name if name in form.fields else None, errors)


def _attributes() -> list[dict[str, Any]]:
    return [{"a": a, "example": example_rule(a)} for a in ATTRIBUTE_LIST]


def _editor_context(request: AuthedRequest, policy: RiskPolicy, **forms: Any) -> dict[str, Any]:
    can_author = access.can_author_policy(request.user)
    is_author = policy.created_by_id == request.user.pk or policy.authors.filter(pk=request.user.pk).exists()
    bands = {"name": policy.name, "description": policy.description, "medium_from": policy.medium_from,
             "high_from": policy.high_from}  # fmt: skip
    return {
        "policy": policy,
        "editable": can_author and policy.is_draft and not policy.is_active,
        "can_author": can_author,
        "can_activate": can_author and policy.is_draft and not policy.is_active and not is_author,
        "rules": policy.rules.order_by("kind", "position", "id"),
        "results": versions.policy_tests_run(policy),
        "attributes": _attributes(),
        "backtest": access.latest_backtest(policy),
        "timeline": audit_events_for(policy).select_related("actor"),
        "authors": policy.authors.order_by("username"),
        "bands_form": forms.get("bands_form") or PolicyBandsForm(initial=bands),
        "rule_form": forms.get("rule_form") or RuleForm(),
        "case_form": forms.get("case_form") or TestCaseForm(),
        "try_form": forms.get("try_form") or TryForm(),
        "activate_form": forms.get("activate_form") or ActivateForm(),
        "backtest_form": forms.get("backtest_form") or BacktestForm(),
        "try_result": forms.get("try_result"),
        "versions": access.policy_queryset_for(request.user).values_list("version", flat=True),
    }


def _editor(request: AuthedRequest, policy: RiskPolicy, status: int = 200, **forms: Any) -> HttpResponse:
    return render(request, EDITOR, _editor_context(request, policy, **forms), status=status)


def _editor_with(
    request: AuthedRequest, policy: RiskPolicy, key: str, form: BaseForm, status: int = 200
) -> HttpResponse:
    return render(request, EDITOR, _editor_context(request, policy, **{key: form}), status=status)


@login_required
@require_GET
def policy_list(request: AuthedRequest) -> HttpResponse:
    """Every version the user may see, newest first: drafts (authors only), the active one, the retired ones."""
    policies_ = access.policy_queryset_for(request.user).prefetch_related("authors")
    context = {"policies": policies_, "can_author": access.can_author_policy(request.user), "diff_form": DiffForm()}
    return render(request, "changes/policy/policy_list.html", context)


@login_required
@require_GET
def policy_detail(request: AuthedRequest, version: int) -> HttpResponse:
    """The editor of a draft; the same page, read-only, for an activated version. ``?rule=<id>`` fills the rule
    form with that rule, to edit it."""
    policy = access.get_policy_for_user(request.user, version)
    rule = policy.rules.filter(pk=request.GET["rule"]).first() if request.GET.get("rule", "").isdigit() else None
    fields = ("name", "kind", "expression", "weight", "position", "description")
    rule_form = RuleForm(initial={name: getattr(rule, name) for name in fields}) if rule else None
    return _editor(request, policy, rule_form=rule_form)


@login_required
@require_POST
def policy_draft(request: AuthedRequest, version: int) -> HttpResponse:
    source = access.get_policy_for_user(request.user, version, for_edit=True)
    draft = versions.policy_draft(source=source, actor=request.user)
    messages.success(request, f"Draft version {draft.version} is ready, copied from version {source.version}.")
    return redirect(draft)


def _write(request: AuthedRequest, policy: RiskPolicy, form: BaseForm, key: str, write: Any) -> HttpResponse:
    """Run ``write`` for a valid form; errors (or a sealed version) come back on the editor, input kept."""
    if form.is_valid():
        try:
            message = write()
        except ValidationError as exc:
            _add_errors(form, exc)
        except versions.PolicySealed as exc:
            messages.error(request, exc.message)  # the sealed page shows no form to hold the error
            return _editor_with(request, policy, key, form, status=409)
        else:
            messages.success(request, message)
            return redirect(policy)
    return _editor_with(request, policy, key, form)


@login_required
@require_POST
def policy_update(request: AuthedRequest, version: int) -> HttpResponse:
    policy = access.get_policy_for_user(request.user, version, for_edit=True)
    form = PolicyBandsForm(request.POST)

    def write() -> str:
        versions.policy_update(policy=policy, actor=request.user, **form.cleaned_data)
        return "Name and bands are saved."

    return _write(request, policy, form, "bands_form", write)


@login_required
@require_POST
def policy_rule_save(request: AuthedRequest, version: int) -> HttpResponse:
    policy = access.get_policy_for_user(request.user, version, for_edit=True)
    form = RuleForm(request.POST)

    def write() -> str:
        rule = policies.policy_rule_save(policy=policy, actor=request.user, **form.cleaned_data)
        return f"The rule “{rule.name}” is saved."

    return _write(request, policy, form, "rule_form", write)


@login_required
@require_POST
def policy_rule_delete(request: AuthedRequest, version: int, pk: int) -> HttpResponse:
    policy = access.get_policy_for_user(request.user, version, for_edit=True)
    rule = get_object_or_404(PolicyRule, policy=policy, pk=pk)
    try:
        policies.policy_rule_delete(rule=rule, actor=request.user)
    except versions.PolicySealed as exc:
        messages.error(request, exc.message)
    return redirect(policy)


@login_required
@require_POST
def policy_rule_check(request: AuthedRequest) -> HttpResponse:
    """The live check of one expression as it is typed (htmx): the engine's reasons, or that it is fine."""
    if not access.can_author_policy(request.user):
        raise PermissionDenied("Only administrators and managers edit risk policies.")
    form = RuleCheckForm(request.POST)
    expression = form.cleaned_data["expression"] if form.is_valid() else ""
    errors: list[str] = [] if form.is_valid() else ["The expression is too long."]
    if not errors:
        try:
            rule_check(expression)
        except ValidationError as exc:
            errors = exc.messages
    return render(request, "changes/policy/rule_check.html", {"errors": errors, "expression": expression})


@login_required
@require_POST
def policy_test_case_save(request: AuthedRequest, version: int) -> HttpResponse:
    policy = access.get_policy_for_user(request.user, version, for_edit=True)
    form = TestCaseForm(request.POST)

    def write() -> str:
        case = versions.policy_test_case_save(
            policy=policy, actor=request.user, name=form.cleaned_data["name"], attributes=form.attribute_values(),
            expected_tier=form.cleaned_data["expected_tier"], expected_rules=form.rules(),
        )  # fmt: skip
        return f"The test case “{case.name}” is saved."

    return _write(request, policy, form, "case_form", write)


@login_required
@require_POST
def policy_test_case_delete(request: AuthedRequest, version: int, pk: int) -> HttpResponse:
    policy = access.get_policy_for_user(request.user, version, for_edit=True)
    case = get_object_or_404(PolicyTestCase, policy=policy, pk=pk)
    try:
        versions.policy_test_case_delete(case=case, actor=request.user)
    except versions.PolicySealed as exc:
        messages.error(request, exc.message)
    return redirect(policy)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def policy_tests_run(request: AuthedRequest, version: int) -> HttpResponse:
    """The pass/fail table of the version's test cases (the editor's region, or the page)."""
    policy = access.get_policy_for_user(request.user, version)
    template = EDITOR + "#tests" if is_fragment(request) else EDITOR
    return render(request, template, _editor_context(request, policy))


def _try_values(request: AuthedRequest, form: TryForm) -> dict[str, Any]:
    pk = form.cleaned_data["change_number"]
    if pk is None:
        return form.attribute_values()
    change = change_queryset_for(request.user).filter(pk=pk).first()
    if change is None or not change.attributes:
        raise ValidationError({"change_number": "No change you may see has that number and a stored snapshot."})
    return dict(change.attributes)


@login_required
@require_POST
def policy_try(request: AuthedRequest, version: int) -> HttpResponse:
    """Score an attribute set (or a change's stored snapshot) with this version: score, tier, rules fired."""
    policy = access.get_policy_for_user(request.user, version)
    form, result = TryForm(request.POST), None
    if form.is_valid():
        try:
            result = assess(policy_spec(policy), _try_values(request, form))
        except ValidationError as exc:
            _add_errors(form, exc)
    context = {"policy": policy, "try_form": form, "try_result": result}
    if is_fragment(request):
        return render(request, EDITOR + "#try", context)
    return _editor(request, policy, try_form=form, try_result=result)


@login_required
@require_POST
def policy_activate(request: AuthedRequest, version: int) -> HttpResponse:
    policy = access.get_policy_for_user(request.user, version, for_edit=True)
    form = ActivateForm(request.POST)
    if form.is_valid():
        try:
            versions.policy_activate(policy=policy, actor=request.user, comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            _add_errors(form, exc)
        except (PermissionDenied, versions.PolicySealed) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Version {policy.version} is now active.")
            return redirect(policy)
    return _editor(request, policy, activate_form=form)


@login_required
@require_POST
def policy_backtest_start(request: AuthedRequest, version: int) -> HttpResponse:
    policy = access.get_policy_for_user(request.user, version, for_edit=True)
    form = BacktestForm(request.POST)
    if form.is_valid():
        backtest = backtests.backtest_start(policy=policy, actor=request.user, days=form.cleaned_data["days"])
        return redirect("changes:policy-backtest", version=policy.version, pk=backtest.pk)
    return _editor(request, policy, backtest_form=form)


def _moved_rows(backtest: PolicyBacktest, filters: MovedFilterForm) -> list[list[Any]]:
    rows: list[list[Any]] = backtest.moved
    if filters.is_valid():
        old, new = filters.cleaned_data["old"], filters.cleaned_data["new"]
        rows = [row for row in rows if (not old or row[1] == old) and (not new or row[2] == new)]
    return rows


@login_required
@require_GET
@vary_on_headers("HX-Request")
def policy_backtest(request: AuthedRequest, version: int, pk: int) -> HttpResponse:
    """A back-test's progress (polled by htmx while it runs), then its matrix, shares and the moved changes."""
    backtest = access.get_backtest_for_user(request.user, version, pk)
    filters = MovedFilterForm(request.GET)
    rows = _moved_rows(backtest, filters)
    page = Paginator(rows, MOVED_PAGE).get_page(request.GET.get("page"))
    titles = dict(Change.objects.filter(pk__in=[row[0] for row in page]).values_list("pk", "title"))
    moved = [{"pk": r[0], "number": Change(pk=r[0]).number, "title": titles.get(r[0], ""), "old": r[1], "new": r[2],
              "old_score": r[3], "new_score": r[4]} for r in page]  # fmt: skip
    context = {"backtest": backtest, "policy": backtest.policy, "page": page, "moved": moved, "filters": filters}
    template = "changes/policy/backtest_detail.html"
    if is_fragment(request) and request.GET.get("region") == "moved":
        return render(request, template + "#moved", context)
    if is_fragment(request):
        response = render(request, template + "#progress", context)
        if backtest.status in (PolicyBacktest.Status.DONE, PolicyBacktest.Status.FAILED):
            response["HX-Refresh"] = "true"  # the finished page adds the moved changes below the matrix
        return response
    return render(request, template, context)


@login_required
@require_GET
def policy_diff(request: AuthedRequest) -> HttpResponse:
    """Rules added, removed and changed and bands moved between two versions the user may see."""
    form = DiffForm(request.GET or None)
    diff = a = b = None
    if form.is_valid():
        visible = access.policy_queryset_for(request.user)
        a = visible.filter(version=form.cleaned_data["a"]).first()
        b = visible.filter(version=form.cleaned_data["b"]).first()
        if a is None or b is None:
            raise Http404("No such version.")
        bands = [{"medium_from": p.medium_from, "high_from": p.high_from} for p in (a, b)]
        diff = diffs.policy_diff(access.policy_rules(a), access.policy_rules(b), *bands)
    return render(request, "changes/policy/policy_diff.html", {"form": form, "diff": diff, "a": a, "b": b})


@login_required
@require_POST
def change_test_case(request: AuthedRequest, number: str) -> HttpResponse:
    """Turn a past change into a test case of the user's newest draft (a new draft from the active version if
    they have none): its stored snapshot, and the tier the user says it should have had."""
    change = get_change_for_user(request.user, number)
    if not access.can_author_policy(request.user):
        raise PermissionDenied("Only administrators and managers edit risk policies.")
    form = TierFromChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the tier the change should have had.")
        return redirect(change)
    try:
        case = versions.policy_test_case_from_change(
            change=change, actor=request.user, expected_tier=form.cleaned_data["expected_tier"],
            name=form.cleaned_data["name"],
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(change)
    messages.success(request, f"{change.number} is now the test case “{case.name}” of version {case.policy.version}.")
    return redirect(case.policy)
