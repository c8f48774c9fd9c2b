"""Validation patterns run on RE2: none can hang a request form; what RE2 cannot run is refused with its reason."""

import contextlib
import time

import pytest
from django.core.exceptions import ValidationError

from apps.catalog.formdefs.fields import FullMatchValidator
from apps.catalog.formdefs.regexcheck import MAX_INPUT, problem

ORDINARY = [
    r"[a-z]+",
    r"\d{3}-\d{4}",
    r"(foo|bar)+",
    r"[A-Z]{2}-\d+",
    r"(?i)yes|no",
    r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}",
    r"(\d{3}-)+\d{3}",
    r"JIRA-[0-9]{1,6}",
    r".*.*.*x",
    r"(\d*)(\d*)(\d*)x",
]
DANGEROUS = [r"(a+)+$", r"(a*)*b", r"(a|aa)*c", r"(a|a)+", r"((ab)*)+", r"(\w+\s?)+$", r"(.*a){2,}", r"(?:x+x+)+y"]


@pytest.mark.parametrize("pattern", ORDINARY)
def test_ordinary_patterns_are_accepted_and_fast_on_hostile_input(pattern):
    assert problem(pattern) is None
    validator = FullMatchValidator(pattern, limit=MAX_INPUT)
    for hostile in ("a" * 254 + "!", "1" * 254 + "x", "foo" * 84 + "!", "ab@" * 85):
        started = time.perf_counter()
        with contextlib.suppress(ValidationError):  # only the time matters here
            validator(hostile)
        assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize("pattern", DANGEROUS)
def test_backtracking_shapes_are_accepted_and_run_in_linear_time(pattern):
    """Patterns that hang a backtracking engine (CPython's re: minutes on these inputs) are plain work for RE2."""
    assert problem(pattern) is None
    validator = FullMatchValidator(pattern, limit=MAX_INPUT)
    for hostile in ("a" * 254 + "!", "ab" * 127 + "!", "x" * 254 + "!"):
        started = time.perf_counter()
        with contextlib.suppress(ValidationError):
            validator(hostile)
        assert time.perf_counter() - started < 0.5  # a hang detector, not a benchmark


@pytest.mark.parametrize("pattern", [r"(a)\1", r"(?=a)a", r"(?<!x)y"])
def test_backreferences_and_lookaround_are_refused_with_the_reason(pattern):
    assert "backreferences and lookaround are not supported" in (problem(pattern) or "")


@pytest.mark.parametrize("pattern", ["(", "[z-a]", "a{2,1}", "x" * 201])
def test_invalid_or_long_patterns_are_refused(pattern):
    assert problem(pattern)
