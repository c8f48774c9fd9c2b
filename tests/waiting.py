"""Waiting for work a real Celery worker does in its own thread."""

import time
from collections.abc import Callable


def wait_for(condition: Callable[[], object], timeout: float = 60.0) -> bool:
    """Poll ``condition`` every 0.1 s until it is true (True) or ``timeout`` seconds pass (False).

    The session's one worker may first have to drain what earlier tests dispatched, and CI runs two suites side by
    side on two cores: a generous timeout costs a passing test nothing (it returns as soon as the condition holds).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False
