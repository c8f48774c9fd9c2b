"""Django's PostgreSQL backend with a health check that costs no round trip.

With persistent connections (CONN_MAX_AGE) and CONN_HEALTH_CHECKS, Django checks a reused connection at the start
of each request with ``SELECT 1``: on the deployment gate, the busiest URL, that was a tenth of a poll's cost. A
connection idle between two requests has nothing to read; when the server closed it (a restart, an
administrator's pg_terminate_backend, an idle timeout), its socket turns readable with the server's goodbye or
end-of-file. So this backend looks at the socket instead, without waiting; anything unusual (readable, closed,
a bad status) closes the connection as the ``SELECT 1`` check would, and the request opens a new one.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self) -> None:
        checked = getattr(self, "health_check_done", False)  # django-stubs lacks both attributes
        if self.pool or self.connection is None or not getattr(self, "health_check_enabled", False) or checked:
            return
        if not self.socket_alive():
            self.close()
        self.health_check_done = True

    def socket_alive(self) -> bool:
        """True for an open, idle connection whose server has sent nothing since the last answer."""
        connection = self.connection
        if connection is None or connection.closed or connection.pgconn.status != pq.ConnStatus.OK:
            return False
        if connection.info.transaction_status != pq.TransactionStatus.IDLE:
            return False
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable
