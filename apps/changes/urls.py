from django.urls import path, register_converter

from apps.changes import policy_views, views


class ChangeNumberConverter:
    """``CHG-000123``: the number changes are known by in URLs (apps.changes.models.format_number)."""

    regex = "[Cc][Hh][Gg]-[0-9]{1,18}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return str(value)


register_converter(ChangeNumberConverter, "change_number")

app_name = "changes"
urlpatterns = [
    path("", views.change_list, name="change-list"),
    path("new/", views.change_create, name="change-create"),
    path("windows/", views.window_list, name="window-list"),
    path("windows/new/", views.window_create, name="window-create"),
    path("windows/<int:pk>/edit/", views.window_edit, name="window-edit"),
    # Risk-policy authoring (apps.changes.policy_views)
    path("policies/", policy_views.policy_list, name="policy-list"),
    path("policies/diff/", policy_views.policy_diff, name="policy-diff"),
    path("policies/check-rule/", policy_views.policy_rule_check, name="policy-rule-check"),
    path("policies/<int:version>/", policy_views.policy_detail, name="policy-detail"),
    path("policies/<int:version>/draft/", policy_views.policy_draft, name="policy-draft"),
    path("policies/<int:version>/edit/", policy_views.policy_update, name="policy-update"),
    path("policies/<int:version>/rules/", policy_views.policy_rule_save, name="policy-rule-save"),
    path("policies/<int:version>/rules/<int:pk>/delete/", policy_views.policy_rule_delete, name="policy-rule-delete"),
    path("policies/<int:version>/tests/", policy_views.policy_test_case_save, name="policy-test-case-save"),
    path(
        "policies/<int:version>/tests/<int:pk>/delete/",
        policy_views.policy_test_case_delete,
        name="policy-test-case-delete",
    ),
    path("policies/<int:version>/tests/run/", policy_views.policy_tests_run, name="policy-tests-run"),
    path("policies/<int:version>/try/", policy_views.policy_try, name="policy-try"),
    path("policies/<int:version>/activate/", policy_views.policy_activate, name="policy-activate"),
    path("policies/<int:version>/backtests/", policy_views.policy_backtest_start, name="policy-backtest-start"),
    path("policies/<int:version>/backtests/<int:pk>/", policy_views.policy_backtest, name="policy-backtest"),
    path("<change_number:number>/test-case/", policy_views.change_test_case, name="change-test-case"),
    path("<change_number:number>/", views.change_detail, name="change-detail"),
    path("<change_number:number>/edit/", views.change_edit, name="change-edit"),
    path("<change_number:number>/decide/", views.change_decide, name="change-decide"),
    path("<change_number:number>/cancel/", views.change_cancel, name="change-cancel"),
]
