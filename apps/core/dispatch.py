"""Publishing tasks from a request without ever failing it or holding it on a dead broker.

Whatever is published here is also recorded in the database (an outbox row, a pending automation run), and
a sweep publishes again what was not sent. So a publish that fails is logged and reported as False, never
raised, and after a failure this process stops trying for a few seconds: a request whose transaction
queues several tasks pays the broker's connect timeout once, not once per task.
"""

from __future__ import annotations

import logging
import time
from typing import Any

logger = logging.getLogger(__name__)

PAUSE_AFTER_FAILURE_SECONDS = 10.0
_paused_until = 0.0  # time.monotonic() before which publishing is skipped (per process)


def task_publish(task: Any, *args: Any, **kwargs: Any) -> bool:
    """Send ``task(*args, **kwargs)`` to the workers; False when it was not sent (the caller's sweep sends it)."""
    global _paused_until
    if time.monotonic() < _paused_until:
        logger.info("Broker failed moments ago: %s left for the sweep.", task.name)
        return False
    try:
        # ignore_result: the result backend is never touched when sending (task_ignore_result says so too).
        task.apply_async(args, kwargs, ignore_result=True)
    except Exception:  # kombu's OperationalError, redis' ConnectionError, an OSError...: all mean "not sent"
        _paused_until = time.monotonic() + PAUSE_AFTER_FAILURE_SECONDS
        logger.warning("Could not publish %s; the sweep will send it.", task.name, exc_info=True)
        return False
    return True


def broker_failure_forget() -> None:
    """Publish again at once (the broker is known to be back, e.g. in tests that stopped it)."""
    global _paused_until
    _paused_until = 0.0
