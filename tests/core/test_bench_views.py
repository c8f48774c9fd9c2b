"""The benchmark's ceiling page: mounted only when enabled, behind login, one query for its rows."""

import importlib

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, clear_url_caches, resolve, reverse

import portal.urls
from apps.core.services import audit_record
from tests.factories import UserFactory

URL = "/bench/ceiling/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def events(admin_user):
    for n in range(60):
        audit_record(target=admin_user, verb=f"verb_{n}", actor=admin_user)


@pytest.fixture
def reload_urls():
    """Rebuild portal.urls under the test's settings, and rebuild it again as it was afterwards."""

    def reload() -> None:
        importlib.reload(portal.urls)
        clear_url_caches()

    original = django_settings.STEWARD_BENCH_CEILING
    yield reload
    with override_settings(STEWARD_BENCH_CEILING=original):  # the settings fixture restores it only later
        reload()


def test_not_mounted_by_default(client_for, admin_user):
    with pytest.raises(Resolver404):
        resolve(URL)
    assert client_for(admin_user).get(URL).status_code == 404  # not even for staff


def test_mounted_when_enabled(settings, reload_urls):
    settings.STEWARD_BENCH_CEILING = True
    reload_urls()

    assert resolve(URL).url_name == "ceiling"
    assert reverse("bench:ceiling") == URL


@pytest.mark.urls("tests.core.bench_urlconf")
def test_needs_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.urls("tests.core.bench_urlconf")
def test_one_query_for_its_rows(client_for, events):
    client = client_for(UserFactory())
    client.get(URL)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)

    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("<tr>") == 50 + 1  # 50 rows and the header
    # The rest (session, user, the layout's permission checks) is what every page of base.html pays.
    assert sum("core_auditevent" in q["sql"] for q in queries.captured_queries) == 1
    assert len(queries.captured_queries) <= 5
