"""Fixtures for every test: the people every view and API test covers.

- ``owner``: an end user who files requests;
- ``teammate``: a colleague in the owner's team (sees nothing of the owner's unless watching);
- ``outsider``: a user in another team;
- ``agent``: a service-desk agent of the fulfilling team ``desk_team``;
- ``manager``: manager of the owner's team (approves "requester's manager" items);
- ``admin_user``: a superuser.
"""

import pytest
from django.core.cache import cache
from django.test import Client

from apps.changes import running
from tests.factories import PASSWORD, CatalogItemFactory, TeamFactory, UserFactory


@pytest.fixture
def owner_team(db):
    return TeamFactory(name="Product", slug="product")


@pytest.fixture
def desk_team(db):
    return TeamFactory(name="Service desk", slug="service-desk")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="Elsewhere", slug="elsewhere")


@pytest.fixture
def manager(owner_team):
    user = UserFactory(username="manager", roles=["Managers"], member_of=[owner_team])
    owner_team.manager = user
    owner_team.save(update_fields=["manager"])
    return user


@pytest.fixture
def owner(owner_team, manager):
    return UserFactory(username="owner", roles=["End users"], member_of=[owner_team])


@pytest.fixture
def teammate(owner_team):
    return UserFactory(username="teammate", roles=["End users"], member_of=[owner_team])


@pytest.fixture
def outsider(other_team):
    return UserFactory(username="outsider", roles=["End users"], member_of=[other_team])


@pytest.fixture
def agent(desk_team):
    return UserFactory(username="agent", roles=["Agents"], member_of=[desk_team])


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_superuser=True, is_staff=True)


@pytest.fixture
def item(desk_team):
    """A published catalog item fulfilled by ``desk_team``, no approval."""
    return CatalogItemFactory(slug="access-request", name="Access request", fulfilling_team=desk_team)


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    # PBKDF2 costs ~0.2 s per user the factories make; only tests/accounts checks hashing itself.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"  # uploaded attachments never land in var/
    cache.clear()  # API throttle buckets live in the cache: one test's calls must not count against the next
    running.forget()  # the gate's process-local list of changes in progress


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_for():
    """``client_for(user)``: a test client logged in as ``user``."""
    return login


@pytest.fixture
def password() -> str:
    return PASSWORD


# --- A real Celery worker (celery's test worker, in a thread, on the configured broker) -------------


@pytest.fixture(scope="session")
def _celery_worker_session(django_db_setup, django_db_blocker):
    from celery.contrib.testing.worker import start_worker

    from portal.celery import app

    # Database access is unblocked only while the worker starts and stops: wrapping the whole session
    # would silently switch off pytest-django's database guard for every test (TOOLCHAIN.md).
    with django_db_blocker.unblock():
        app.control.purge()  # messages left by earlier runs or by unit tests that dispatched for real
        context = start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=10)
        context.__enter__()
    yield app
    with django_db_blocker.unblock():
        context.__exit__(None, None, None)


@pytest.fixture
def celery_worker(transactional_db, _celery_worker_session):
    """A running worker; tests using it need ``transactional_db`` (their writes must be committed)."""
    return _celery_worker_session


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    skipped = terminalreporter.stats.get("skipped", [])
    if any("BROWSER TEST SKIPPED" in str(getattr(report, "longrepr", "")) for report in skipped):
        terminalreporter.write_sep("!", "browser tests were SKIPPED: no Chromium on this machine", red=True, bold=True)
