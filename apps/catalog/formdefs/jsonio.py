"""Request forms as JSON files, for people who keep them in a repository: export, and import with every
problem located (line and column for JSON syntax, a JSON pointer such as ``/fields/2/choices`` for the rest)."""

from __future__ import annotations

import json
from typing import Any

from apps.catalog.formdefs.validation import definition_problems

MAX_IMPORT_CHARS = 512 * 1024


class DefinitionImportError(Exception):
    """The text is not an acceptable form definition; ``problems`` lists each reason with where it is."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def definition_dumps(definition: dict[str, Any]) -> str:
    """The definition as the export writes it: indented, keys in the engine's order, non-ASCII kept."""
    return json.dumps(definition, indent=2, ensure_ascii=False) + "\n"


def definition_loads(text: str) -> dict[str, Any]:
    """The normalised definition in ``text``; DefinitionImportError with each problem and where it is."""
    if len(text) > MAX_IMPORT_CHARS:
        raise DefinitionImportError([f"The file is too large: at most {MAX_IMPORT_CHARS // 1024} KB."])
    if not text.strip():
        raise DefinitionImportError(['The text is empty: paste a form like {"fields": [...]}.'])
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DefinitionImportError([f"Line {exc.lineno}, column {exc.colno}: {exc.msg}."]) from None
    except RecursionError:
        raise DefinitionImportError(["The JSON is nested too deeply."]) from None
    normalised, problems = definition_problems(data)
    if problems or normalised is None:
        raise DefinitionImportError([f"{problem.pointer or '/'}: {problem.reason}" for problem in problems])
    return normalised
