"""schemathesis over the whole API with all of its checks: generated requests, valid and invalid.

Every check runs (no server error, status codes, content types, headers and bodies as documented, invalid
data refused, valid data accepted, authentication enforced, ...). One check is made precise rather than
dropped: a schema cannot say "an item that exists" or "an expiry in the future", so for the operations in
BUSINESS_RULES a schema-valid request may be refused with a 400 naming those fields, and only those.
"""

from typing import Any

import pytest
import schemathesis
from django.test import override_settings
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from apps.accounts.services import token_create
from portal.wsgi import application
from tests.factories import CatalogItemFactory, TeamFactory, UserFactory

with override_settings(STEWARD_API_DOCS_PUBLIC=True):  # the schema is for signed-in callers; no user exists yet
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
schema.config.generation.update(allow_x00=False)  # Django refuses NUL in strings; tested on its own elsewhere

# Fields whose rules are about data, not shape: the only ones a 400 to a schema-valid request may name.
BUSINESS_RULES: dict[str, set[str]] = {
    # a catalog item that exists (the HTML queue's filter form says the same)
    "GET /api/v1/requests/": {"item"},
    # an item the caller may request, answers its form accepts, an active person
    "POST /api/v1/requests/": {"item", "answers", "requested_for"},
    # an expiry in the future, no scope beyond the calling token's
    "POST /api/v1/tokens/": {"expires_at", "scopes"},
    # a service and an environment that exist (the HTML change list's filter form says the same)
    "GET /api/v1/changes/": {"service", "environment"},
    # services, environment and template that exist, a window in order, a SHA, a complete CI run, the path cap,
    # URLs Django's validator accepts (stricter than the schema's "uri": host labels, schemes)
    "POST /api/v1/changes/": {
        "services",
        "environment",
        "template",
        "title",
        "planned_start",
        "planned_end",
        "commit_sha",
        "ci_run_id",
        "ci_system",
        "public_title",
        "paths",
        "ci_run_url",
        "test_links",
    },
    # an edit of an existing change: the same rules as opening one (only fields sent are checked)
    "PATCH /api/v1/changes/{number}/": {
        "services",
        "environment",
        "title",
        "planned_start",
        "planned_end",
        "commit_sha",
        "public_title",
        "paths",
        "test_links",
    },
    # services and environments that exist, a known time zone, a valid RRULE, an end after the start
    "POST /api/v1/change-windows/": {"services", "environments", "timezone", "rrule", "title", "ends_at"},
    # a service, tag or team that exists (the HTML knowledge filters say the same)
    "GET /api/v1/articles/": {"service", "tag", "owner_team"},
    # teams, services and items that exist, one of the caller's teams, a title with a letter, teams for "teams"
    "POST /api/v1/articles/": {"owner_team", "services", "items", "audience_teams", "title"},
    # Risk-policy versions: a version that exists to draft from, a name with a letter, bands in order, a rule the
    # engine accepts, documented attribute values, a comment, passing test cases
    "POST /api/v1/policy-versions/": {"based_on"},
    "PATCH /api/v1/policy-versions/{version}/": {"name", "high_from"},
    "POST /api/v1/policy-versions/{version}/rules/": {"name", "expression"},
    "POST /api/v1/policy-versions/{version}/test-cases/": {"name", "attributes"},
    "POST /api/v1/policy-versions/{version}/activate/": {"comment", "tests"},
}
# What positive_data_acceptance accepts besides 2xx and 3xx (its defaults).
ACCEPTED = {401, 403, 404, 409, 429}


def business_rule_refusal(ctx: Any, response: Any, case: Any) -> bool | None:
    """positive_data_acceptance, where a 400 naming only the operation's BUSINESS_RULES fields is a pass."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    status = response.status_code
    if status < 400 or status in ACCEPTED or status >= 500:
        return None
    named = set(response.json()) if status == 400 else set()
    allowed = BUSINESS_RULES[case.operation.label]
    assert named and named <= allowed, f"Schema-valid request refused with {status}: {response.text[:300]}"
    return None


@pytest.fixture
def api_key(transactional_db) -> str:
    team = TeamFactory(slug="desk", name="Desk")
    CatalogItemFactory(slug="laptop", fulfilling_team=team)
    user = UserFactory(username="api-admin", is_superuser=True, is_staff=True, member_of=[team])
    _, key = token_create(
        user=user, name="schemathesis", scopes=["requests", "changes", "evidence", "admin", "knowledge"], access="write"
    )
    return key


@schema.parametrize()
@settings(max_examples=25, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db(transaction=True)
def test_api_never_answers_5xx_and_matches_its_schema(case, api_key):
    headers = {"Authorization": f"Token {api_key}"}
    if case.operation.label in BUSINESS_RULES:
        case.call_and_validate(
            headers=headers, excluded_checks=[positive_data_acceptance], additional_checks=[business_rule_refusal]
        )
    else:
        case.call_and_validate(headers=headers)
