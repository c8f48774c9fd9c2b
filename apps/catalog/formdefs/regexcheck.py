"""Validation patterns of request forms, run by RE2: matching time is linear in the answer's length.

RE2 has no backtracking, so no pattern can make a form hang (``(a+)+$`` included); what it cannot run in
linear time (backreferences, lookaround) it refuses to compile, and the administrator sees its reason.
Patterns stay short (MAX_PATTERN) and answers checked by a pattern too (MAX_INPUT), which bounds memory.
"""

from __future__ import annotations

from typing import Any

import re2

MAX_PATTERN = 200
MAX_INPUT = 255
# Errors go to the administrator through problem(), not to RE2's stderr log.
OPTIONS = re2.Options()
OPTIONS.log_errors = False


def compile_pattern(pattern: str) -> Any:
    """The compiled pattern; raises re2.error when RE2 refuses it."""
    return re2.compile(pattern, options=OPTIONS)


def problem(pattern: str) -> str | None:
    """Why ``pattern`` is refused as a field's validation regex, or None when it is acceptable."""
    if len(pattern) > MAX_PATTERN:
        return f"must be at most {MAX_PATTERN} characters."
    try:
        compile_pattern(pattern)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        return (
            f"is not a valid regular expression ({reason}); "
            "Steward runs patterns with RE2: backreferences and lookaround are not supported."
        )
    return None
