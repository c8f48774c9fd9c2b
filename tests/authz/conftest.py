"""The matrix's data set, built once per module inside a transaction that is rolled back afterwards."""

import pytest
from django.db import transaction
from django.test import override_settings

from tests.authz.fingerprint import fingerprint
from tests.authz.world import build_world


@pytest.fixture(scope="module")
def media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("matrix-media")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, media_root):
    """The World, plus ``world.baseline``: the fingerprint every refused write must leave unchanged."""
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"], MEDIA_ROOT=str(media_root)
    )
    with django_db_blocker.unblock(), fast:
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = build_world()
            built.baseline = fingerprint()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _matrix_media(settings, media_root):
    # tests/conftest.py points MEDIA_ROOT at each test's own directory; the matrix's attachment lives here.
    settings.MEDIA_ROOT = str(media_root)
