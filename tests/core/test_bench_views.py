"""The benchmark's ceiling page: behind login, off unless enabled or staff, one query for its rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core.services import audit_record
from tests.factories import UserFactory

URL = reverse("bench:ceiling")
pytestmark = pytest.mark.django_db


@pytest.fixture
def events(admin_user):
    for n in range(60):
        audit_record(target=admin_user, verb=f"verb_{n}", actor=admin_user)


def test_needs_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_hidden_unless_enabled(client_for, settings):
    settings.STEWARD_BENCH_CEILING = False

    assert client_for(UserFactory()).get(URL).status_code == 404


def test_staff_sees_it(client_for, admin_user, events, settings):
    settings.STEWARD_BENCH_CEILING = False

    body = client_for(admin_user).get(URL).content.decode()

    assert body.count("<tr>") == 50 + 1  # 50 rows and the header
    assert "verb_59" in body and "verb_9<" not in body


def test_enabled_for_any_user_with_one_query_for_its_rows(client_for, events, settings):
    settings.STEWARD_BENCH_CEILING = True
    client = client_for(UserFactory())
    client.get(URL)

    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200

    # The rest (session, user, the layout's permission checks) is what every page of base.html pays.
    assert sum("core_auditevent" in q["sql"] for q in queries.captured_queries) == 1
    assert len(queries.captured_queries) <= 5
