"""schemathesis over the whole API: generated requests, valid and invalid, never answer a 5xx.

Checks: no server error, and every response documented in the schema (status code and body shape).
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apps.accounts.services import token_create
from portal.wsgi import application
from tests.factories import CatalogItemFactory, TeamFactory, UserFactory

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
schema.config.generation.update(allow_x00=False)  # Django refuses NUL in strings; tested on its own elsewhere

CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance)


@pytest.fixture
def api_key(transactional_db) -> str:
    team = TeamFactory(slug="desk", name="Desk")
    CatalogItemFactory(slug="laptop", fulfilling_team=team)
    user = UserFactory(username="api-admin", is_superuser=True, is_staff=True, member_of=[team])
    _, key = token_create(
        user=user, name="schemathesis", scopes=["requests", "changes", "evidence", "admin"], access="write"
    )
    return key


@schema.parametrize()
@settings(max_examples=25, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db(transaction=True)
def test_api_never_answers_5xx_and_matches_its_schema(case, api_key):
    response = case.call(headers={"Authorization": f"Token {api_key}"})
    case.validate_response(response, checks=CHECKS)
