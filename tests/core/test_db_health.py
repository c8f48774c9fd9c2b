"""The PostgreSQL backend's health check (portal.postgresql): no round trip for a live connection, and a
connection the server dropped is replaced at the next request."""

import time

import pytest
from django.db import connection, connections

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend's own check"),
]


def _checked() -> None:
    connection.health_check_done = False
    connection.close_if_health_check_failed()


def test_a_live_idle_connection_passes_without_a_query(mocker):
    connection.ensure_connection()
    assert connection.health_check_enabled  # CONN_HEALTH_CHECKS, as in production settings
    # Django's own check sends SELECT 1 through a raw psycopg cursor, which the query log does not show.
    no_cursor = mocker.patch.object(connection.connection, "cursor", side_effect=AssertionError("a round trip"))
    _checked()
    assert not no_cursor.called
    assert connection.connection is not None and not connection.connection.closed


def test_a_connection_the_server_dropped_is_closed_and_the_next_query_reconnects():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()
    deadline = time.monotonic() + 5
    while connection.socket_alive() and time.monotonic() < deadline:
        time.sleep(0.02)  # the server's goodbye travels asynchronously
    _checked()
    assert connection.connection is None  # closed, as SELECT 1 failing would have
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
