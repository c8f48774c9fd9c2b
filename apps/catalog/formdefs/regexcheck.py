"""Refusing validation patterns that could make a request form hang (catastrophic backtracking).

Guards: patterns are short (MAX_PATTERN); answers checked by a pattern are short (MAX_INPUT); the parsed
pattern may not nest a variable-length repeat inside another repeat, nor repeat an alternation whose branches
can start alike — the shapes behind exponential backtracking such as ``(a+)+`` or ``(a|aa)*``; and it holds
at most MAX_VARIABLE_REPEATS variable repeats, which bounds polynomial backtracking (``.*.*.*x``) to
MAX_INPUT ** 3 steps, about a tenth of a second.
"""

from __future__ import annotations

import re

# re._parser is CPython's own regex parser (public as sre_parse before 3.11): the only way to see the
# pattern's structure without writing a parser here.
from re import _constants as sre_constants  # type: ignore[attr-defined]  # private CPython module, no stubs
from re import _parser as sre_parse  # type: ignore[attr-defined]  # private CPython module, no stubs
from typing import Any

MAX_PATTERN = 200
MAX_INPUT = 255
MAX_VARIABLE_REPEATS = 3
REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, getattr(sre_constants, "POSSESSIVE_REPEAT", None)}


def _children(op: Any, av: Any) -> list[Any]:
    """The sub-patterns directly inside one parsed item."""
    if op in REPEATS:
        return [av[2]]
    if op == sre_constants.SUBPATTERN:
        return [av[3]]
    if op == sre_constants.BRANCH:
        return list(av[1])
    if op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
        return [av[1]]
    if op == getattr(sre_constants, "ATOMIC_GROUP", None):
        return [av]
    if op == sre_constants.GROUPREF_EXISTS:
        return [branch for branch in av[1:] if branch is not None]
    return []


def _variable_repeats(pattern: Any) -> int:
    count = 0
    for op, av in pattern:
        if op in REPEATS and av[0] != av[1]:
            count += 1
        count += sum(_variable_repeats(child) for child in _children(op, av))
    return count


def _has_variable_repeat(pattern: Any) -> bool:
    return _variable_repeats(pattern) > 0


def _first_literal(branch: Any) -> int | None:
    for op, av in branch:
        if op == sre_constants.LITERAL:
            return int(av)
        if op == sre_constants.SUBPATTERN:
            return _first_literal(av[3])
        return None
    return None


def _ambiguous_branch(pattern: Any) -> bool:
    """An alternation whose branches do not all start with distinct literal characters."""
    for op, av in pattern:
        if op == sre_constants.BRANCH:
            firsts = [_first_literal(branch) for branch in av[1]]
            if None in firsts or len(set(firsts)) != len(firsts):
                return True
        if any(_ambiguous_branch(child) for child in _children(op, av)):
            return True
    return False


def _nested_problem(pattern: Any) -> str | None:
    for op, av in pattern:
        if op in REPEATS and av[1] > 1:
            if _has_variable_repeat(av[2]):
                return "nests a variable repeat inside another repeat (e.g. (a+)+), which can hang; simplify it."
            if _ambiguous_branch(av[2]):
                return "repeats an alternation whose branches can start alike (e.g. (a|aa)*), which can hang."
        for child in _children(op, av):
            problem = _nested_problem(child)
            if problem:
                return problem
    return None


def problem(pattern: str) -> str | None:
    """Why ``pattern`` is refused as a field's validation regex, or None when it is acceptable."""
    if len(pattern) > MAX_PATTERN:
        return f"must be at most {MAX_PATTERN} characters."
    try:
        re.compile(pattern)
        parsed = sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError, ValueError) as exc:
        return f"is not a valid regular expression ({exc})."
    if _variable_repeats(parsed) > MAX_VARIABLE_REPEATS:
        return f"has more than {MAX_VARIABLE_REPEATS} variable-length repeats (*, +, ?, {{m,n}}); simplify it."
    return _nested_problem(parsed)
