"""THE authorization matrix: who gets what from every URL of the project.

One row per (URL name, method); one column per role (world.ROLES):

    anon       nobody signed in
    requester  an end user who filed the request (``main``: failed, automated, fulfilled by the service desk)
    other      an end user of the requester's own team (not a watcher)
    agent      an agent of the fulfilling team (service desk)
    agent2     an agent of another team (platform)
    manager    the manager of the requester's primary team (product), Managers role
    admin      a superuser (the only staff user)

Cells: the status code, or ``login`` for a redirect to the login page (accounts' or the admin's); a code
followed by ``x`` (``302x``) is a refusal answered as a page or a redirect that says why. Hidden
objects answer 404, visible but read-only ones 403; anonymous HTML goes to the login page, anonymous API
calls get 401. API rows (``api:``) hold for a read-write token and for a session alike; a read-only token
gets the GET cells as they are and 403 for every write (``READ_ONLY_TOKEN_EXEMPT`` excepted). Refused
writes (4xx, ``login`` and ``x`` cells) are checked to change nothing in the database (tests/authz/fingerprint.py).

A key ``name@variant`` requests the same URL with other objects (``VARIANTS``). Adding a URL: add its
rows here (every method its view allows), its arguments to ``KWARGS`` if their names are new or
ambiguous, and a body to ``BODIES`` for writes that should succeed; the README's roles table says
which cells are right.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.factories import PASSWORD

# fmt: off
MATRIX: dict[str, dict[str, str]] = {
    #                                        anon   requester other agent agent2 manager admin
    # --- Public and operational ---------------------------------------------------------------------------
    "healthz":                           {"GET":    "200   200  200  200  200  200  200"},
    # --- Accounts -----------------------------------------------------------------------------------------
    "accounts:login":                    {"GET":    "200   302  302  302  302  302  302",
                                          "POST":   "302   302  302  302  302  302  302",
                                          "PUT":    "200   302  302  302  302  302  302"},
    "accounts:logout":                   {"POST":   "login login login login login login login"},
    "accounts:password-change":          {"GET":    "login 200  200  200  200  200  200",
                                          "POST":   "login 200  200  200  200  200  200",
                                          "PUT":    "login 200  200  200  200  200  200"},
    "accounts:password-change-done":     {"GET":    "login 200  200  200  200  200  200"},
    "accounts:password-reset":           {"GET":    "200   200  200  200  200  200  200",
                                          "POST":   "302   302  302  302  302  302  302",
                                          "PUT":    "200   200  200  200  200  200  200"},
    "accounts:password-reset-done":      {"GET":    "200   200  200  200  200  200  200"},
    "accounts:password-reset-confirm":   {"GET":    "200   200  200  200  200  200  200",
                                          "POST":   "200   200  200  200  200  200  200"},
    "accounts:password-reset-complete":  {"GET":    "200   200  200  200  200  200  200"},
    "accounts:profile":                  {"GET":    "login 200  200  200  200  200  200",
                                          "POST":   "login 302  302  302  302  302  302"},
    "accounts:token-list":               {"GET":    "login 200  200  200  200  200  200"},
    "accounts:token-create":             {"GET":    "login 200  200  200  200  200  200",
                                          "POST":   "login 200  200  200  200  200  200"},
    "accounts:token-revoke":             {"POST":   "login 302  404  404  404  404  404"},
    "accounts:user-search":              {"GET":    "login 200  200  200  200  200  200"},
    "accounts:team-search":              {"GET":    "login 200  200  200  200  200  200"},
    # --- Catalog ------------------------------------------------------------------------------------------
    "catalog:home":                      {"GET":    "login 200  200  200  200  200  200"},
    "catalog:search":                    {"GET":    "login 200  200  200  200  200  200"},
    "catalog:category-detail":           {"GET":    "login 200  200  200  200  200  200"},
    "catalog:service-list":              {"GET":    "login 200  200  200  200  200  200"},
    "catalog:service-detail":            {"GET":    "login 200  200  200  200  200  200"},
    "catalog:service-search":            {"GET":    "login 200  200  200  200  200  200"},
    "catalog:item-detail":               {"GET":    "login 200  200  200  200  200  200"},
    "catalog:item-detail@restricted":    {"GET":    "login 404  404  404  200  404  200"},
    # --- Catalog builder (HTML): catalog managers and administrators only; ``laptop`` is a manual item ------
    "catalog:manage-item-list":          {"GET":    "login 403  403  403  403  403  200"},
    "catalog:manage-item-create":        {"GET":    "login 403  403  403  403  403  200",
                                          "POST":   "login 403  403  403  403  403  302"},
    "catalog:manage-item-edit":          {"GET":    "login 403  403  403  403  403  200",
                                          "POST":   "login 403  403  403  403  403  302"},
    "catalog:manage-item-form":          {"GET":    "login 403  403  403  403  403  200",
                                          "POST":   "login 403  403  403  403  403  302"},
    "catalog:manage-item-form-preview":  {"POST":   "login 403  403  403  403  403  200"},
    "catalog:manage-item-form-export":   {"GET":    "login 403  403  403  403  403  200"},
    "catalog:manage-item-form-import":   {"POST":   "login 403  403  403  403  403  200"},
    "catalog:manage-service-list":       {"GET":    "login 403  403  403  403  403  200"},
    "catalog:manage-service-create":     {"GET":    "login 403  403  403  403  403  200",
                                          "POST":   "login 403  403  403  403  403  302"},
    "catalog:manage-service-edit":       {"GET":    "login 403  403  403  403  403  200",
                                          "POST":   "login 403  403  403  403  403  302"},
    "catalog:manage-automation-config":  {"GET":    "login 403  403  403  403  403  200"},
    # --- Requests (HTML) ----------------------------------------------------------------------------------
    "fulfillment:request-mine":          {"GET":    "login 200  200  200  200  200  200"},
    "fulfillment:request-create":        {"GET":    "login 200  200  200  200  200  200",
                                          "POST":   "login 302  302  302  302  302  302"},
    "fulfillment:request-create@restricted": {"GET": "login 404  404  404  200  404  200",
                                          "POST":   "login 404  404  404  302  404  302"},
    "fulfillment:request-detail":        {"GET":    "login 200  404  200  404  404  200"},
    "fulfillment:request-detail@approval": {"GET":  "login 200  404  200  404  200  200"},
    "fulfillment:request-transition":    {"POST":   "login 403  404  302  404  404  302"},
    "fulfillment:request-work":          {"POST":   "login 403  404  302  404  404  302"},
    "fulfillment:comment-create":        {"POST":   "login 302  404  302  404  404  302"},
    "fulfillment:attachment-create":     {"POST":   "login 302  404  302  404  404  302"},
    "fulfillment:attachment-download":   {"GET":    "login 200  404  200  404  404  200"},
    "fulfillment:watcher-add":           {"POST":   "login 302  404  302  404  404  302"},
    "fulfillment:watcher-remove":        {"POST":   "login 302  404  302  404  404  302"},
    "automation:run-panel":              {"GET":    "login 200  404  200  404  404  200"},
    "automation:run-retry":              {"POST":   "login 403  404  302  404  404  302"},
    # --- Queue and approvals (HTML) -----------------------------------------------------------------------
    "fulfillment:queue":                 {"GET":    "login 403  403  200  200  200  200"},
    "fulfillment:queue-export":          {"GET":    "login 403  403  200  200  200  200"},
    "fulfillment:queue-bulk":            {"POST":   "login 403  403  302  302x 302x 302"},
    "fulfillment:queue-filter-save":     {"POST":   "login 403  403  302  302  302  302"},
    "fulfillment:queue-filter-apply":    {"GET":    "login 404  404  302  404  404  404"},
    "fulfillment:queue-filter-delete":   {"POST":   "login 404  404  302  404  404  404"},
    "fulfillment:request-assign-me":     {"POST":   "login 302  404  302  404  404  302"},
    "fulfillment:approval-inbox-moved":  {"GET":    "301   301  301  301  301  301  301"},
    # --- Approvals inbox (HTML): requests and changes awaiting the caller's decision -----------------------
    "approvals:inbox":                   {"GET":    "login 200  200  200  200  200  200"},
    "approvals:badge":                   {"GET":    "login 204  204  204  200  200  200"},
    "approvals:decide":                  {"POST":   "login 302x 404  302x 404  302  302"},
    "approvals:decide@change":           {"POST":   "login 302x 404  302x 302  302x 302x"},
    "approvals:decide-bulk":             {"POST":   "login 200  200  200  200  302  302"},
    # --- Changes (HTML): ``change`` is on a platform service, requested by ``requester``, awaiting a peer ---
    "changes:change-list":               {"GET":    "login 200  200  200  200  200  200"},
    "changes:change-create":             {"GET":    "login 200  200  200  200  200  200",
                                          "POST":   "login 302  302  302  302  302  302"},
    "changes:change-detail":             {"GET":    "login 200  404  200  200  200  200"},
    "changes:change-edit":               {"GET":    "login 200  404  403  200  200  200",
                                          "POST":   "login 302  404  403  302  302  302"},
    "changes:change-decide":             {"POST":   "login 200x 404  200x 302  200x 200x"},
    "changes:change-cancel":             {"POST":   "login 302  404  403  302  302  302"},
    # Windows: everyone signed in reads them (as in the API); managers and administrators create and edit.
    "changes:window-list":               {"GET":    "login 200  200  200  200  200  200"},
    "changes:window-create":             {"GET":    "login 403  403  403  403  302  302",
                                          "POST":   "login 403  403  403  403  302  302"},
    "changes:window-edit":               {"GET":    "login 403  403  403  403  200  200",
                                          "POST":   "login 403  403  403  403  302  302"},
    # --- Change calendar (apps.schedule): the calendar, its events and panel, windows built, feeds ---------
    # The events endpoint without its range answers 400; moves and the panel's form are edits of ``change``.
    # Feed URLs carry a secret: the matrix's made-up one answers 404 to everyone (tests/schedule test real ones).
    "schedule:calendar":                 {"GET":    "login 200  200  200  200  200  200"},
    "schedule:events":                   {"GET":    "login 400  400  400  400  400  400"},
    "schedule:forward":                  {"GET":    "login 200  200  200  200  200  200"},
    "schedule:cab":                      {"GET":    "login 200  200  200  200  200  200"},
    "schedule:panel":                    {"GET":    "login 200  404  200  200  200  200",
                                          "POST":   "login 200  404  403  200  200  200"},
    "schedule:move":                     {"POST":   "login 200  404  403  200  200  200"},
    "schedule:window-create":            {"GET":    "login 403  403  403  403  200  200",
                                          "POST":   "login 403  403  403  403  302  302"},
    "schedule:window-edit":              {"GET":    "login 403  403  403  403  200  200",
                                          "POST":   "login 403  403  403  403  302  302"},
    "schedule:window-preview":           {"GET":    "login 403  403  403  403  200  200"},
    "schedule:feed-token":               {"POST":   "login 200  200  200  200  200  200"},
    "schedule:feed-token-revoke":        {"POST":   "login 200  200  200  200  200  200"},
    "schedule-public:maintenance":       {"GET":    "login 200  200  200  200  200  200"},
    "schedule-public:feed-mine":         {"GET":    "404   404  404  404  404  404  404"},
    "schedule-public:feed-service":      {"GET":    "404   404  404  404  404  404  404"},
    "schedule-public:feed-maintenance":  {"GET":    "404   404  404  404  404  404  404"},
    # --- Knowledge (HTML): ``article`` is the desk's published article (agent writes it), ``draft`` the platform's ---
    "knowledge:article-list":            {"GET":    "login 200  200  200  200  200  200"},
    "knowledge:article-create":          {"GET":    "login 403  403  200  200  200  200",
                                          "POST":   "login 403  403  302  200  200  302"},
    "knowledge:article-needs-review":    {"GET":    "login 200  200  200  200  200  200"},
    "knowledge:article-suggest":         {"GET":    "login 200  200  200  200  200  200"},
    "knowledge:article-report":          {"GET":    "login 403  403  200  200  200  200"},
    "knowledge:article-detail":          {"GET":    "login 200  200  200  200  200  200"},
    "knowledge:article-detail@draft":    {"GET":    "login 404  404  404  200  404  200"},
    "knowledge:article-edit":            {"GET":    "login 403  403  200  403  403  200",
                                          "POST":   "login 403  403  302  403  403  302"},
    "knowledge:article-transition":      {"POST":   "login 403  403  302  403  403  302"},
    "knowledge:article-history":         {"GET":    "login 403  403  200  403  403  200"},
    "knowledge:article-restore":         {"POST":   "login 403  403  302  403  403  302"},
    "knowledge:article-feedback":        {"POST":   "login 302  302  302  302  302  302"},
    "knowledge:attachment-create":       {"POST":   "login 403  403  302  403  403  302"},
    "knowledge:attachment-download":     {"GET":    "login 200  200  200  200  200  200"},
    "knowledge:attachment-delete":       {"POST":   "login 403  403  302  403  403  302"},
    "knowledge:catalog-panel":           {"GET":    "login 200  200  200  200  200  200"},
    # The request page's knowledge panel: as the request for readers; linking is for its agents.
    "knowledge:link-panel":              {"GET":    "login 200  404  200  404  404  200"},
    "knowledge:link-search":             {"GET":    "login 403  404  200  404  404  200"},
    "knowledge:link-create":             {"POST":   "login 403  404  302  404  404  302"},
    "knowledge:link-delete":             {"POST":   "login 403  404  302  404  404  302"},
    # --- Knowledge, issue 11 finish: one-click answer (link + insert) and the read-only admin of links/files ---
    "knowledge:link-answer":             {"POST":   "login 403  404  302  404  404  302"},
    "admin:knowledge_articlelink_changelist": {"GET": "login login login login login login 200"},
    "admin:knowledge_articleattachment_changelist": {"GET": "login login login login login login 200"},
    # --- Django admin: the index and one changelist per registered model; staff only ----------------------
    "admin:index":                       {"GET":    "login login login login login login 200"},
    "admin:auth_group_changelist":       {"GET":    "login login login login login login 200"},
    "admin:accounts_user_changelist":    {"GET":    "login login login login login login 200"},
    "admin:accounts_team_changelist":    {"GET":    "login login login login login login 200"},
    "admin:accounts_apitoken_changelist": {"GET":   "login login login login login login 200"},
    "admin:accounts_loginthrottle_changelist": {"GET": "login login login login login login 200"},
    "admin:catalog_category_changelist": {"GET":    "login login login login login login 200"},
    "admin:catalog_service_changelist":  {"GET":    "login login login login login login 200"},
    "admin:catalog_catalogitem_changelist": {"GET": "login login login login login login 200"},
    "admin:catalog_formversion_changelist": {"GET": "login login login login login login 200"},
    "admin:fulfillment_servicerequest_changelist": {"GET": "login login login login login login 200"},
    "admin:fulfillment_attachment_changelist": {"GET": "login login login login login login 200"},
    "admin:fulfillment_savedfilter_changelist": {"GET": "login login login login login login 200"},
    "admin:fulfillment_cannedreply_changelist": {"GET": "login login login login login login 200"},
    "admin:automation_httpendpoint_changelist": {"GET": "login login login login login login 200"},
    "admin:automation_automationrun_changelist": {"GET": "login login login login login login 200"},
    "admin:core_notification_changelist": {"GET":  "login login login login login login 200"},
    "admin:changes_environment_changelist": {"GET": "login login login login login login 200"},
    "admin:changes_advisoryboard_changelist": {"GET": "login login login login login login 200"},
    "admin:changes_riskpolicy_changelist": {"GET":  "login login login login login login 200"},
    "admin:changes_standardchangetemplate_changelist": {"GET": "login login login login login login 200"},
    "admin:changes_window_changelist":   {"GET":    "login login login login login login 200"},
    "admin:changes_change_changelist":   {"GET":    "login login login login login login 200"},
    "admin:changes_reviewtask_changelist": {"GET":  "login login login login login login 200"},
    "admin:knowledge_article_changelist": {"GET":   "login login login login login login 200"},
    "admin:knowledge_reviewpolicy_changelist": {"GET": "login login login login login login 200"},
    "admin:knowledge_tag_changelist":    {"GET":    "login login login login login login 200"},
    "admin:knowledge_revision_changelist": {"GET":  "login login login login login login 200"},
    "admin:knowledge_feedback_changelist": {"GET":  "login login login login login login 200"},
    "admin:knowledge_articleslug_changelist": {"GET": "login login login login login login 200"},
    # --- API ----------------------------------------------------------------------------------------------
    "api:schema":                        {"GET":    "401   200  200  200  200  200  200"},
    "api:docs":                          {"GET":    "login 200  200  200  200  200  200"},
    "api:redoc":                         {"GET":    "login 200  200  200  200  200  200"},
    "api:auth-token":                    {"POST":   "201   201  201  201  201  201  201"},
    "api:token-list":                    {"GET":    "401   200  200  200  200  200  200",
                                          "POST":   "401   201  201  201  201  201  201"},
    "api:token-detail":                  {"GET":    "401   200  404  404  404  404  404"},
    "api:token-revoke":                  {"POST":   "401   200  404  404  404  404  404"},
    "api:service-list":                  {"GET":    "401   200  200  200  200  200  200"},
    "api:service-detail":                {"GET":    "401   200  200  200  200  200  200"},
    "api:catalogitem-list":              {"GET":    "401   200  200  200  200  200  200"},
    "api:catalogitem-detail":            {"GET":    "401   200  200  200  200  200  200"},
    "api:catalogitem-detail@restricted": {"GET":    "401   404  404  404  200  404  200"},
    "api:approval-list":                 {"GET":    "401   200  200  200  200  200  200"},
    "api:approval-decide":               {"POST":   "401   403  404  403  404  200  200"},
    "api:approval-decide@change":        {"POST":   "401   403  404  403  200  403  403"},
    "api:approval-provider-decide":      {"POST":   "401   403  404  403  404  200  200"},
    "api:approval-provider-decide@change": {"POST": "401   403  404  403  200  403  403"},
    "api:servicerequest-list":           {"GET":    "401   200  200  200  200  200  200",
                                          "POST":   "401   201  201  201  201  201  201"},
    "api:servicerequest-detail":         {"GET":    "401   200  404  200  404  404  200",
                                          "PATCH":  "401   403  404  200  404  404  200"},
    "api:servicerequest-detail@approval": {"GET":   "401   200  404  200  404  200  200",
                                          "PATCH":  "401   403  404  200  404  403  200"},
    "api:servicerequest-comments":       {"GET":    "401   200  404  200  404  404  200",
                                          "POST":   "401   201  404  201  404  404  201"},
    "api:servicerequest-transition":     {"POST":   "401   403  404  200  404  404  200"},
    "api:automationrun-list":            {"GET":    "401   200  200  200  200  200  200"},
    "api:automationrun-detail":          {"GET":    "401   200  404  200  404  404  200"},
    "api:change-list":                   {"GET":    "401   200  200  200  200  200  200",
                                          "POST":   "401   201  201  201  201  201  201"},
    "api:change-detail":                 {"GET":    "401   200  404  200  200  200  200",
                                          "PATCH":  "401   200  404  403  200  200  200"},
    "api:change-gate":                   {"GET":    "401   200  404  200  200  200  200"},
    "api:change-outcome":                {"POST":   "401   200  404  403  200  200  200"},
    "api:change-decide":                 {"POST":   "401   403  404  403  200  403  403"},
    "api:change-transition":             {"POST":   "401   200  404  403  200  200  200"},
    "api:changewindow-list":             {"GET":    "401   200  200  200  200  200  200",
                                          "POST":   "401   403  403  403  403  201  201"},
    "api:article-list":                  {"GET":    "401   200  200  200  200  200  200",
                                          "POST":   "401   403  403  201  400  400  201"},
    "api:article-detail":                {"GET":    "401   200  200  200  200  200  200",
                                          "PATCH":  "401   403  403  200  403  403  200"},
    "api:article-detail@draft":          {"GET":    "401   404  404  404  200  404  200"},
    "api:article-revisions":             {"GET":    "401   403  403  200  403  403  200"},
    "api:article-transition":            {"POST":   "401   403  403  200  403  403  200"},
    "api:article-feedback":              {"POST":   "401   201  201  201  201  201  201"},
}
# fmt: on

#: Admin URLs not requested one by one: AdminSite.admin_view checks staff status for all of them alike, so
#: the index and each model's changelist (which must be in MATRIX) stand for the rest of the admin.
ADMIN_SAMPLED = r"^admin:(?!index$)(?!.*_changelist$)"

#: Pages for browsers under /api/: signed in by session only, requested like the HTML rows.
API_BROWSER_PAGES = frozenset({"api:docs", "api:redoc"})

#: Views whose methods the coverage test cannot read from a 405 (they answer every method), with the reason.
METHODS_NOT_PROBED = {
    "accounts:password-reset-confirm": "Django's view renders an invalid link's page whatever the method",
}

#: API writes a read-only token may make: obtaining a token with a password does not use the caller's token.
READ_ONLY_TOKEN_EXEMPT = frozenset({"api:auth-token"})

#: URL arguments: by argument name, then per URL name; values are paths into World.objects ("main.number")
#: or literals after "=".
DEFAULT_KWARGS = {
    "number": "main.number",
    "attachment_id": "attachment.pk",
    "user_id": "watcher.pk",
    "item_slug": "join.slug",
    "subject_type": "=fulfillment.servicerequest",
    "subject_id": "main.pk",
    "uidb64": "=MQ",
    "token": "=set-password",
}
KWARGS: dict[str, dict[str, str]] = {
    "catalog:category-detail": {"slug": "category.slug"},
    "catalog:service-detail": {"slug": "service.slug"},
    "catalog:item-detail": {"slug": "join.slug"},
    "accounts:token-revoke": {"pk": "victim_token.pk"},
    "fulfillment:queue-filter-apply": {"pk": "saved_filter.pk"},
    "fulfillment:queue-filter-delete": {"pk": "saved_filter.pk"},
    "approvals:decide": {"provider": "=fulfillment.request", "key": "approval.number"},
    "api:token-detail": {"pk": "victim_token.pk"},
    "api:token-revoke": {"pk": "victim_token.pk"},
    "api:service-detail": {"slug": "service.slug"},
    "api:catalogitem-detail": {"slug": "join.slug"},
    "api:approval-decide": {"number": "approval.number"},
    "api:approval-provider-decide": {"provider": "=fulfillment.request", "key": "approval.number"},
    "api:automationrun-detail": {"pk": "run.pk"},
    "changes:window-edit": {"pk": "window.pk"},
    # --- Change calendar (apps.schedule) ---
    "schedule:window-edit": {"pk": "window.pk"},
    "schedule:panel": {"number": "change.number"},
    "schedule:move": {"number": "change.number"},
    "schedule-public:feed-service": {"slug": "service.slug"},
    **{
        name: {"number": "change.number"}
        for name in (
            "changes:change-detail",
            "changes:change-edit",
            "changes:change-decide",
            "changes:change-cancel",
            "api:change-detail",
            "api:change-gate",
            "api:change-outcome",
            "api:change-decide",
            "api:change-transition",
        )
    },
    **{
        name: {"slug": "article.slug"}
        for name in (
            "knowledge:article-detail",
            "knowledge:article-edit",
            "knowledge:article-transition",
            "knowledge:article-history",
            "knowledge:article-feedback",
            "api:article-detail",
            "api:article-revisions",
            "api:article-transition",
            "api:article-feedback",
        )
    },
    "knowledge:article-restore": {"slug": "article.slug", "number": "=1"},
    **{
        name: {"slug": "article.slug", "pk": "article_file.pk"}
        for name in ("knowledge:attachment-download", "knowledge:attachment-delete")
    },
    "knowledge:attachment-create": {"slug": "article.slug"},
    # Catalog builder: the manual ``laptop`` item and the matrix's service.
    **{
        name: {"slug": "laptop.slug"}
        for name in (
            "catalog:manage-item-edit",
            "catalog:manage-item-form",
            "catalog:manage-item-form-preview",
            "catalog:manage-item-form-export",
            "catalog:manage-item-form-import",
        )
    },
    "catalog:manage-service-edit": {"slug": "service.slug"},
}
VARIANTS: dict[str, dict[str, str]] = {
    "draft": {"slug": "draft_article.slug"},  # a draft of the platform team: hidden from everyone else
    "approval": {"number": "approval.number"},  # awaiting the requester's manager's approval
    "restricted": {"slug": "restricted.slug", "item_slug": "restricted.slug"},  # audience: the platform team
    # The medium change on a platform service: a platform member (agent2) approves it in the approvals inbox.
    "change": {"provider": "=changes.change", "key": "change.number", "number": "change.number"},
}

Body = Callable[[Any], dict[str, Any]]  # World -> the data sent


def _soon(hours: int = 1) -> str:
    return (timezone.now() + dt.timedelta(hours=hours)).isoformat()


def _local(hours: int) -> str:
    """A datetime-local form value, in the current time zone as the HTML form reads it."""
    return timezone.localtime(timezone.now() + dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def _window_form() -> dict[str, Any]:
    return {
        "kind": "maintenance",
        "title": "Matrix window",
        "all_services": "on",
        "timezone": "UTC",
        "starts_at": _local(hours=1),
        "ends_at": _local(hours=2),
    }


def _upload(world: Any) -> dict[str, Any]:
    return {"file": SimpleUploadedFile("note.txt", b"matrix", content_type="text/plain")}


#: What each write sends, so that allowed writes succeed (and refused ones are refused for the right reason).
BODIES: dict[str, Body] = {
    # --- Catalog builder: the same values as the world's, so that a saved edit changes nothing ------------
    "catalog:manage-item-create": lambda w: {
        "name": "Matrix new item",
        "category": "m-category",
        "service": "m-service",
        "fulfilling_team": "service-desk",
        "approval_rule": "none",
        "audience": "everyone",
        "delivery_target_hours": "8",
        "status": "draft",
        "fulfilment_mode": "manual",
    },
    "catalog:manage-item-edit": lambda w: {
        "name": w.lookup("laptop.name"),
        "category": "m-category",
        "service": "m-service",
        "fulfilling_team": "service-desk",
        "approval_rule": "requester_manager",
        "audience": "everyone",
        "delivery_target_hours": "8",
        "status": "published",
        "fulfilment_mode": "manual",
    },
    "catalog:manage-item-form": lambda w: {
        "op": "save",
        "base_version": "1",
        "field_count": "1",
        "fields-0-name": "reason",
        "fields-0-label": "Reason",
        "fields-0-type": "text",
        "fields-0-required": "on",
    },
    "catalog:manage-item-form-preview": lambda w: {"field_count": "0"},
    "catalog:manage-item-form-import": lambda w: {"text": '{"fields": []}'},
    "catalog:manage-service-create": lambda w: {
        "name": "Matrix new service",
        "owner_team": "service-desk",
        "criticality": "medium",
        "status": "operational",
        "slo_target": "99.9",
    },
    "catalog:manage-service-edit": lambda w: {
        "name": "Matrix service",
        "owner_team": "service-desk",
        "criticality": "medium",
        "status": "operational",
        "slo_target": "99.9",
    },
    "accounts:login": lambda w: {"username": "m-requester", "password": PASSWORD},
    "accounts:password-reset": lambda w: {"email": "m-requester@example.com"},
    "accounts:profile": lambda w: {"first_name": "Matrix", "email": "matrix@example.com", "timezone": "UTC"},
    "accounts:token-create": lambda w: {"name": "matrix", "scopes": ["requests"], "access": "read"},
    "fulfillment:request-create": lambda w: {"team": "guild", "reason": "Matrix", "sr-priority": "normal"},
    "fulfillment:request-transition": lambda w: {"to": "in_progress", "version": w.lookup("main.version")},
    "fulfillment:request-work": lambda w: {"priority": "high", "version": w.lookup("main.version")},
    "fulfillment:comment-create": lambda w: {"body": "From the matrix"},
    "fulfillment:attachment-create": _upload,
    "fulfillment:watcher-add": lambda w: {"username": "m-newcomer"},
    "fulfillment:queue-bulk": lambda w: {
        "action": "assign_me",
        "selected": [f"{w.lookup('main.pk')}.{w.lookup('main.version')}"],
    },
    "fulfillment:queue-filter-save": lambda w: {"name": "Matrix", "query": "status=new"},
    "approvals:decide": lambda w: {"decision": "approve", "comment": "Fine"},
    "approvals:decide-bulk": lambda w: {
        "decision": "approve",
        "items": [f"fulfillment.request:{w.lookup('approval.number')}"],
    },
    "api:auth-token": lambda w: {"username": "m-requester", "password": PASSWORD},
    # A token may mint only tokens that expire no later than itself (the matrix's expire in a day).
    "api:token-list": lambda w: {"name": "matrix", "scopes": ["requests"], "access": "read", "expires_at": _soon()},
    "api:servicerequest-list": lambda w: {"item": "m-join", "answers": {"team": "guild"}},
    "api:servicerequest-detail": lambda w: {"priority": "high"},
    "api:servicerequest-comments": lambda w: {"body": "From the matrix"},
    "api:servicerequest-transition": lambda w: {"to": "in_progress"},
    "api:approval-decide": lambda w: {"decision": "approve", "comment": "Fine"},
    "api:approval-provider-decide": lambda w: {"decision": "approve", "comment": "Fine"},
    "changes:change-create": lambda w: {
        "title": "Matrix change",
        "type": "normal",
        "services": "m-product-svc",
        "environment": "m-staging",
        "planned_start": _local(hours=1),
        "planned_end": _local(hours=2),
    },
    "changes:change-edit": lambda w: {
        "title": "Matrix change, edited",
        "services": "m-platform-svc",
        "environment": "m-staging",
        "planned_start": timezone.localtime(w.lookup("change.planned_start")).strftime("%Y-%m-%dT%H:%M"),
        "planned_end": timezone.localtime(w.lookup("change.planned_end")).strftime("%Y-%m-%dT%H:%M"),
        "version": w.lookup("change.version"),
    },
    "changes:change-decide": lambda w: {"decision": "approved", "comment": "Fine"},
    "changes:window-create": lambda w: _window_form(),
    "changes:window-edit": lambda w: _window_form(),
    # --- Change calendar (apps.schedule): the change keeps its window (no move), windows from the builder ---
    "schedule:panel": lambda w: {
        "planned_start": timezone.localtime(w.lookup("change.planned_start")).strftime("%Y-%m-%dT%H:%M"),
        "planned_end": timezone.localtime(w.lookup("change.planned_end")).strftime("%Y-%m-%dT%H:%M"),
        "version": w.lookup("change.version"),
    },
    "schedule:move": lambda w: {
        "start": w.lookup("change.planned_start").isoformat(),
        "end": w.lookup("change.planned_end").isoformat(),
    },
    "schedule:window-create": lambda w: {**_window_form(), "repeat": "none", "interval": "1"},
    "schedule:window-edit": lambda w: {**_window_form(), "repeat": "none", "interval": "1", "is_active": "on"},
    "api:change-list": lambda w: {
        "title": "Matrix change",
        "services": ["m-product-svc"],
        "environment": "m-staging",
        "planned_start": _soon(),
        "planned_end": _soon(hours=2),
    },
    "api:change-detail": lambda w: {"title": "Matrix change, edited"},
    "api:change-outcome": lambda w: {"outcome": "started"},
    "knowledge:article-create": lambda w: {"title": "Matrix new", "owner_team": "service-desk", "audience": "everyone"},
    "knowledge:article-edit": lambda w: {
        "title": "Matrix article",
        "owner_team": "service-desk",
        "audience": "everyone",
        "body_md": "Edited",
        "version": w.lookup("article.version"),
    },
    "knowledge:article-transition": lambda w: {"to": "retired"},
    "knowledge:article-feedback": lambda w: {"helped": "yes"},
    "knowledge:attachment-create": _upload,
    "knowledge:link-create": lambda w: {"article": w.lookup("article.slug")},
    "knowledge:link-delete": lambda w: {"article": w.lookup("article.slug")},
    "knowledge:link-answer": lambda w: {"article": w.lookup("article.slug")},
    "api:article-list": lambda w: {"title": "Matrix new", "owner_team": "service-desk"},
    "api:article-detail": lambda w: {"summary": "From the matrix"},
    "api:article-transition": lambda w: {"to": "retired"},
    "api:article-feedback": lambda w: {"helped": True},
    "api:change-decide": lambda w: {"decision": "approve", "comment": "Fine"},
    "api:change-transition": lambda w: {"to": "cancelled"},
    "api:changewindow-list": lambda w: {
        "kind": "maintenance",
        "title": "Matrix window",
        "all_services": True,
        "starts_at": _soon(),
        "ends_at": _soon(hours=2),
    },
}


# --- Risk-policy authoring (issue 9): v1 is the active, sealed version; the draft is ``manager``'s --------
# Drafts are hidden from non-authors (404); writes need the Managers role or admin; activation needs someone
# who did not write the draft (the manager wrote it: refused, 200x / 403; the admin activates it).
_POLICY_V1 = {"version": "policy_v1.version"}
_POLICY_DRAFT = {"version": "policy_draft.version"}
# fmt: off
MATRIX.update({
    #                                        anon   requester other agent agent2 manager admin
    "changes:policy-list":               {"GET":    "login 200  200  200  200  200  200"},
    "changes:policy-diff":               {"GET":    "login 200  200  200  200  200  200"},
    "changes:policy-rule-check":         {"POST":   "login 403  403  403  403  200  200"},
    "changes:policy-detail":             {"GET":    "login 200  200  200  200  200  200"},
    "changes:policy-detail@policy_draft": {"GET":   "login 404  404  404  404  200  200"},
    "changes:policy-draft":              {"POST":   "login 403  403  403  403  302  302"},
    "changes:policy-update":             {"POST":   "login 404  404  404  404  302  302"},
    "changes:policy-rule-save":          {"POST":   "login 404  404  404  404  302  302"},
    "changes:policy-rule-delete":        {"POST":   "login 404  404  404  404  302  302"},
    "changes:policy-test-case-save":     {"POST":   "login 404  404  404  404  302  302"},
    "changes:policy-test-case-delete":   {"POST":   "login 404  404  404  404  302  302"},
    "changes:policy-tests-run":          {"GET":    "login 200  200  200  200  200  200"},
    "changes:policy-try":                {"POST":   "login 200  200  200  200  200  200"},
    "changes:policy-activate":           {"POST":   "login 404  404  404  404  200x 302"},
    "changes:policy-backtest-start":     {"POST":   "login 404  404  404  404  302  302"},
    "changes:policy-backtest":           {"GET":    "login 200  200  200  200  200  200"},
    "changes:change-test-case":          {"POST":   "login 403  404  403  403  302x 302x"},
    "api:policyversion-list":            {"GET":    "401   200  200  200  200  200  200",
                                          "POST":   "401   403  403  403  403  201  201"},
    "api:policyversion-detail":          {"GET":    "401   200  200  200  200  200  200",
                                          "PATCH":  "401   403  403  403  403  409  409"},
    "api:policyversion-detail@policy_draft": {"GET": "401  404  404  404  404  200  200",
                                          "PATCH":  "401   403  403  403  403  200  200"},
    "api:policyversion-rules":           {"POST":   "401   403  403  403  403  200  200"},
    "api:policyversion-test-cases":      {"POST":   "401   403  403  403  403  201  201"},
    "api:policyversion-run-tests":       {"GET":    "401   200  200  200  200  200  200"},
    "api:policyversion-backtest":        {"GET":    "401   200  200  200  200  200  200",
                                          "POST":   "401   403  403  403  403  202  202"},
    "api:policyversion-activate":        {"POST":   "401   403  403  403  403  403  200"},
})
# fmt: on
VARIANTS["policy_draft"] = _POLICY_DRAFT
KWARGS.update({
    **{name: _POLICY_V1 for name in (
        "changes:policy-detail", "changes:policy-draft", "changes:policy-tests-run", "changes:policy-try",
        "api:policyversion-detail", "api:policyversion-run-tests", "api:policyversion-backtest",
    )},
    **{name: _POLICY_DRAFT for name in (
        "changes:policy-update", "changes:policy-rule-save", "changes:policy-test-case-save",
        "changes:policy-activate", "changes:policy-backtest-start", "api:policyversion-rules",
        "api:policyversion-test-cases", "api:policyversion-activate",
    )},
    "changes:policy-rule-delete": {**_POLICY_DRAFT, "pk": "policy_rule.pk"},
    "changes:policy-test-case-delete": {**_POLICY_DRAFT, "pk": "policy_case.pk"},
    "changes:policy-backtest": {**_POLICY_V1, "pk": "policy_backtest.pk"},
    "changes:change-test-case": {"number": "change.number"},
})  # fmt: skip
_RULE = {"name": "weekend", "kind": "score", "expression": "start_weekday >= 5", "weight": "5", "position": "0"}
BODIES.update({
    "changes:policy-rule-check": lambda w: {"expression": "is_production"},
    "changes:policy-update": lambda w: {"name": "Matrix draft", "medium_from": "30", "high_from": "60"},
    "changes:policy-rule-save": lambda w: _RULE,
    "changes:policy-test-case-save": lambda w: {"name": "matrix case", "expected_tier": "low"},
    "changes:policy-activate": lambda w: {"comment": "Reviewed"},
    "changes:policy-backtest-start": lambda w: {"days": "90"},
    "changes:change-test-case": lambda w: {"expected_tier": "medium"},
    "api:policyversion-list": lambda w: {"based_on": 1},
    "api:policyversion-detail": lambda w: {"name": "Matrix", "medium_from": 30, "high_from": 60},
    "api:policyversion-rules": lambda w: {**_RULE, "weight": 5, "position": 0},
    "api:policyversion-test-cases": lambda w: {"name": "matrix case", "attributes": {}, "expected_tier": "low"},
    "api:policyversion-backtest": lambda w: {"days": 30},
    "api:policyversion-activate": lambda w: {"comment": "Reviewed"},
})  # fmt: skip
