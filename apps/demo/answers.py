"""Plausible answers for any request form, for demo and scale data (they pass formdefs.clean_answers)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from apps.demo.data import LONG_TEXT_EXAMPLES, TEXT_EXAMPLES

FILLER = "Details to follow."


@dataclass(frozen=True)
class AnswerPools:
    """What user and team pickers may answer: existing usernames and team slugs."""

    usernames: Sequence[str]
    team_slugs: Sequence[str]
    joinable_slugs: Sequence[str]


def _shown(spec: dict[str, Any], answers: dict[str, Any]) -> bool:
    rule = spec.get("show_if")
    if not rule:
        return True
    answer = answers.get(rule["field"])
    if isinstance(answer, list):
        return rule["equals"] in answer
    return answer is not None and answer == rule["equals"] and type(answer) is type(rule["equals"])


Examples = Mapping[str, Sequence[str]]


def _text(spec: dict[str, Any], rng: random.Random, item_examples: Examples) -> str:
    examples = item_examples.get(spec["name"]) or TEXT_EXAMPLES.get(spec["name"])
    if examples is None:
        examples = LONG_TEXT_EXAMPLES if spec["type"] == "long_text" else [spec["label"]]
    text = rng.choice(examples)
    if len(text) < spec.get("min_length", 0):
        text = f"{text} {FILLER}"
    return text[: spec.get("max_length", len(text))]


def _multi(spec: dict[str, Any], rng: random.Random) -> list[str]:
    values = [choice["value"] for choice in spec["choices"]]
    low = max(spec.get("min", 1), 1)
    high = min(spec.get("max", len(values)), len(values))
    return rng.sample(values, rng.randint(low, max(low, high)))


def _value(spec: dict[str, Any], rng: random.Random, pools: AnswerPools, today: dt.date, examples: Examples) -> Any:
    kind = spec["type"]
    if kind in ("text", "long_text"):
        return _text(spec, rng, examples)
    if kind == "choice":
        return rng.choice(spec["choices"])["value"]
    if kind == "multi_choice":
        return _multi(spec, rng)
    if kind == "date":
        return (today + dt.timedelta(days=rng.randint(1, 60))).isoformat()
    if kind == "number":
        return rng.randint(int(spec.get("min", 1)), int(spec.get("max", 10)))
    if kind == "boolean":
        # A required check box must be ticked, as in the HTML form.
        return True if spec["required"] else rng.random() < 0.5
    if kind == "user":
        return rng.choice(pools.usernames)
    return rng.choice(pools.joinable_slugs if spec.get("joinable_only") else pools.team_slugs)


def sample_answers(
    definition: dict[str, Any],
    rng: random.Random,
    pools: AnswerPools,
    today: dt.date | None = None,
    examples: Examples | None = None,
) -> dict[str, Any]:
    """Answers for a normalised definition: required fields always, optional ones mostly; hidden ones never.

    ``examples`` (field name -> texts) are the item's own answers for its free-text fields, so that what a
    request says fits what it asks for; other text fields take the examples named like them, or generic ones.
    """
    today = today or timezone.localdate()
    examples = examples or {}
    answers: dict[str, Any] = {}
    for spec in definition["fields"]:
        if not _shown(spec, answers):
            continue
        if spec["required"] or spec["type"] == "boolean" or rng.random() < 0.7:
            answers[spec["name"]] = _value(spec, rng, pools, today, examples)
    return answers
