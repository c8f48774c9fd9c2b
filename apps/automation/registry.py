"""The registry of automation actions, and of the handlers subject owners register for finished runs.

An action is a class decorated with ``@register``: ``name`` (what a catalog item names), ``label``,
``required_fields`` (form field name -> accepted field types), ``config_schema`` (config key -> spec) and
``run(*, params, subject, config) -> ActionResult`` raising ActionError (permanent) or RetryableError (transient).

The engine knows nothing of its subjects: their owner (e.g. apps.fulfillment) calls ``register_subject_handler``
at import time to be told when a run finishes and to say who may see and retry its subjects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from apps.automation.exceptions import ActionError, RetryableError

if TYPE_CHECKING:
    from apps.automation.models import AutomationRun

__all__ = [
    "Action",
    "ActionError",
    "ActionResult",
    "ConfigKey",
    "RetryableError",
    "Subject",
    "SubjectHandler",
    "action_list",
    "get_action",
    "get_subject_handler",
    "register",
    "register_subject_handler",
]


@dataclass(frozen=True)
class Subject:
    """What a run is for: ``type`` is ``app_label.model``, ``id`` its primary key; ``key`` identifies the run."""

    type: str
    id: str
    key: str = ""


@dataclass(frozen=True)
class ActionResult:
    """What an action produced; ``output["summary"]``, when given, is the one line people read."""

    output: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ConfigKey:
    """One key of an action's configuration: its JSON type, whether it is required, and a help text."""

    type: type | tuple[type, ...]
    required: bool = False
    help: str = ""


class Action:
    """Base class of actions; subclasses set the class attributes and implement ``run``."""

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    required_fields: ClassVar[dict[str, set[str]]] = {}
    config_schema: ClassVar[dict[str, ConfigKey]] = {}

    def run(self, *, params: dict[str, Any], subject: Subject, config: dict[str, Any]) -> ActionResult:
        raise NotImplementedError

    def clean_config(self, config: dict[str, Any]) -> dict[str, Any]:
        """Action-specific checks of a config that already matches ``config_schema``; ValidationError if wrong."""
        return config


_ACTIONS: dict[str, Action] = {}
A = TypeVar("A", bound=type[Action])


def register(cls: A) -> A:
    """Class decorator: make the action available under ``cls.name``."""
    if not cls.name or cls.name in _ACTIONS:
        raise ValueError(f"Action name missing or already registered: {cls.name!r}")
    _ACTIONS[cls.name] = cls()
    return cls


def _load_builtin_actions() -> None:
    import apps.automation.actions  # noqa: F401  # registers the built-in actions on import


def get_action(name: str) -> Action | None:
    _load_builtin_actions()
    return _ACTIONS.get(name)


def action_list() -> list[Action]:
    _load_builtin_actions()
    return sorted(_ACTIONS.values(), key=lambda action: action.name)


def check_config(action: Action, config: object) -> dict[str, Any]:
    """``config`` checked against the action's schema then ``clean_config``; ValidationError with the reason."""
    if config in (None, ""):
        config = {}
    if not isinstance(config, dict):
        raise ValidationError("The automation configuration must be a JSON object.")
    unknown = sorted(set(config) - set(action.config_schema))
    if unknown:
        known = ", ".join(sorted(action.config_schema)) or "none"
        raise ValidationError(f'Unknown key "{unknown[0]}" for the action "{action.name}" (known keys: {known}).')
    for key, spec in action.config_schema.items():
        if key not in config:
            if spec.required:
                raise ValidationError(f'The action "{action.name}" needs "{key}" in its configuration ({spec.help}).')
            continue
        if not isinstance(config[key], spec.type) or isinstance(config[key], bool) is not (spec.type is bool):
            raise ValidationError(f'"{key}" has the wrong type for the action "{action.name}" ({spec.help}).')
    return action.clean_config(dict(config))


# --- Subject handlers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubjectHandler:
    """How the owner of a subject type hears of finished runs and says who may see and retry them.

    - ``on_finished(run)``: called once per run, in the same transaction that records its final status;
    - ``get_for_user(user, subject_id)``: the subject if ``user`` may see it, else raise Http404;
    - ``visible_ids(user)``: a queryset of one text column, the ids of the subjects ``user`` may see;
    - ``can_retry(user, subject)`` and ``retry(subject, user)``: start a new run after a failure.
    """

    on_finished: Callable[[AutomationRun], None]
    get_for_user: Callable[[Any, str], Any] | None = None
    visible_ids: Callable[[Any], QuerySet[Any]] | None = None
    can_retry: Callable[[Any, Any], bool] | None = None
    retry: Callable[[Any, Any], Any] | None = None


_HANDLERS: dict[str, SubjectHandler] = {}


def register_subject_handler(
    subject_type: str,
    on_finished: Callable[[AutomationRun], None],
    *,
    get_for_user: Callable[[Any, str], Any] | None = None,
    visible_ids: Callable[[Any], QuerySet[Any]] | None = None,
    can_retry: Callable[[Any, Any], bool] | None = None,
    retry: Callable[[Any, Any], Any] | None = None,
) -> None:
    """Register (or replace) the handler of ``subject_type``; the subject's app calls this when imported."""
    _HANDLERS[subject_type] = SubjectHandler(
        on_finished=on_finished, get_for_user=get_for_user, visible_ids=visible_ids, can_retry=can_retry, retry=retry
    )


def get_subject_handler(subject_type: str) -> SubjectHandler | None:
    return _HANDLERS.get(subject_type)


def subject_handlers() -> dict[str, SubjectHandler]:
    return dict(_HANDLERS)
