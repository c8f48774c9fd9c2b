"""Checking one rule before it is stored: syntax, names, length, and a boolean on every value it may meet.

The ``cel`` package compiles without type-checking and lists only the root names an expression mentions,
mixed with the variables macros bind (the ``p`` of ``paths.exists(p, ...)``). ``root_names`` therefore
reads the tokens itself and tracks each macro's binder within its parentheses, so that a name outside the
documented attributes is refused even where evaluation would never reach it (``false && secret``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import cel
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.changes.policy.attributes import ATTRIBUTES, BOOL, DOUBLE, INT, STRING, Attribute, sample_values, snapshot

MAX_EXPRESSION_LENGTH = 1000
GENERATED_EXAMPLES = 150

RESERVED = frozenset(
    {"true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function", "if"}
    | {"import", "let", "loop", "package", "namespace", "return", "var", "void", "while"}
)
MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})
# CEL's standard functions and the string extensions the package ships; operators are listed as _op_.
FUNCTIONS = frozenset(
    {"size", "int", "uint", "double", "string", "bool", "bytes", "dyn", "type", "has", "timestamp", "duration"}
    | {"matches", "startsWith", "endsWith", "contains", "lowerAscii", "upperAscii", "trim", "split", "join"}
    | {"replace", "indexOf", "lastIndexOf", "substring", "charAt", "max", "min"}
    | {"getFullYear", "getMonth", "getDayOfMonth", "getDayOfWeek", "getDayOfYear", "getHours", "getMinutes"}
    | {"getSeconds", "getMilliseconds"}
    | MACROS
)

TOKEN = re.compile(
    r"""
    (?P<space>\s+|//[^\n]*)
    |(?P<raw>[bB]?[rR][bB]?(?:'''.*?'''|\"\"\".*?\"\"\"|'[^'\n]*'|"[^"\n]*"))
    |(?P<string>[bB]?(?:'''(?:\\.|[^\\])*?'''|\"\"\"(?:\\.|[^\\])*?\"\"\"|'(?:\\.|[^\\'\n])*'|"(?:\\.|[^\\"\n])*"))
    |(?P<number>(?:0[xX][0-9a-fA-F]+|\d+\.\d+(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\d+)[uU]?)
    |(?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


def tokens(expression: str) -> list[Token]:
    """The expression's tokens without spaces and comments; strings are one opaque token each."""
    found = []
    for match in TOKEN.finditer(expression):
        kind = match.lastgroup or "punct"
        if kind != "space":
            found.append(Token("string" if kind == "raw" else kind, match.group()))
    return found


def _binder(toks: list[Token], i: int) -> str | None:
    """The variable a macro call opening at ``toks[i]`` (``(``) binds: ``.exists(p, ...)`` binds ``p``."""
    is_macro = i >= 2 and toks[i - 1].kind == "ident" and toks[i - 1].text in MACROS and toks[i - 2].text == "."
    if is_macro and i + 2 < len(toks) and toks[i + 1].kind == "ident" and toks[i + 2].text == ",":
        return toks[i + 1].text
    return None


def root_names(expression: str) -> Iterator[tuple[str, str]]:
    """Every ("variable" | "function", name) at the root of a reference, macro-bound variables left out."""
    toks = tokens(expression)
    scopes: list[str | None] = []  # one entry per open bracket: the variable it binds, if any
    for i, tok in enumerate(toks):
        if tok.text in "([{":
            scopes.append(_binder(toks, i) if tok.text == "(" else None)
        elif tok.text in ")]}":
            if scopes:
                scopes.pop()
        elif tok.kind == "ident" and tok.text not in RESERVED and (i == 0 or toks[i - 1].text != "."):
            calls = i + 1 < len(toks) and toks[i + 1].text == "("
            if calls:
                yield "function", tok.text
            elif tok.text not in scopes:
                yield "variable", tok.text


@lru_cache(maxsize=2048)
def rule_attributes(expression: str) -> tuple[str, ...]:
    """The documented attributes ``expression`` reads, in order of first use (macro-bound variables left out)."""
    names = (name for kind, name in root_names(expression) if kind == "variable" and name in ATTRIBUTES)
    return tuple(dict.fromkeys(names))


@lru_cache(maxsize=2048)
def compiled(expression: str) -> cel.Program:
    """The compiled program, once per process and expression; ValueError with the engine's message."""
    return cel.compile(expression)


def evaluate(expression: str, context: dict[str, Any]) -> Any:
    """Run ``expression`` over ``context``; raises whatever the engine raises."""
    return compiled(expression).execute(context)


def _name_errors(expression: str, program: cel.Program) -> list[str]:
    errors = []
    for kind, name in dict.fromkeys(root_names(expression)):
        if kind == "variable" and name not in ATTRIBUTES:
            errors.append(f"Unknown attribute “{name}”. Rules may use: {', '.join(ATTRIBUTES)}.")
        elif kind == "function" and name not in FUNCTIONS:
            errors.append(f"Unknown function “{name}”.")
    for name in program.functions():
        if name[0].isalpha() and name not in FUNCTIONS:
            errors.append(f"Unknown function “{name}”.")
    return list(dict.fromkeys(errors))


def _describe(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"[:80]


def _check_result(expression: str, context: dict[str, Any]) -> None:
    """AssertionError naming the failure when ``expression`` does not return a bool on ``context``."""
    try:
        result = evaluate(expression, context)
    except Exception as exc:  # noqa: BLE001  # any engine error refuses the rule, with its message
        raise AssertionError(f"fails with {type(exc).__name__}: {exc}") from exc
    if not isinstance(result, bool):
        raise AssertionError(f"returns {_describe(result)}, not true or false")


def sample_contexts() -> Iterator[dict[str, Any]]:
    """The defaults, then each attribute at each of its sample values with the others at their defaults."""
    base = snapshot({})
    yield base
    for attribute in ATTRIBUTES.values():
        for value in sample_values(attribute):
            yield {**base, attribute.name: value}


def strategy_for(attribute: Attribute) -> st.SearchStrategy[Any]:
    """Values of the attribute's declared type and range (what measured attributes can be)."""
    if attribute.type == BOOL:
        return st.booleans()
    if attribute.type == INT:
        return st.integers(min_value=attribute.low, max_value=attribute.high)
    if attribute.type == DOUBLE:
        return st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
    if attribute.type == STRING:
        return st.sampled_from(attribute.choices) if attribute.choices else st.text(max_size=40)
    return st.lists(st.text(max_size=40), max_size=8)


def attribute_sets() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({name: strategy_for(attribute) for name, attribute in ATTRIBUTES.items()})


def _generated_failure(expression: str) -> str | None:
    """The first failure on hypothesis-generated attribute sets (deterministic), or None."""

    @settings(
        max_examples=GENERATED_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(attribute_sets())
    def check(context: dict[str, Any]) -> None:
        _check_result(expression, context)

    try:
        check()
    except AssertionError as exc:
        return str(exc).splitlines()[0]
    return None


def rule_check(expression: str) -> str:
    """The expression, stripped, if it may be stored as a rule; ValidationError with every reason otherwise."""
    expression = (expression or "").strip()
    if not expression:
        raise ValidationError("Write an expression.")
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise ValidationError(f"An expression holds at most {MAX_EXPRESSION_LENGTH} characters.")
    try:
        program = compiled(expression)
    except ValueError as exc:
        raise ValidationError(f"Syntax error: {exc}") from exc
    errors = _name_errors(expression, program)
    if errors:
        raise ValidationError(errors)
    for context in sample_contexts():
        try:
            _check_result(expression, context)
        except AssertionError as exc:
            changed = {k: v for k, v in context.items() if v != ATTRIBUTES[k].default}
            raise ValidationError(f"The rule {exc} (with {changed or 'the default values'}).") from exc
    failure = _generated_failure(expression)
    if failure:
        raise ValidationError(f"The rule {failure} on some generated attribute values.")
    return expression
