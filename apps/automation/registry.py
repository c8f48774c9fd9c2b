"""The registry of automation actions, and of the handlers subject owners register for finished runs.

An action is a class decorated with ``@register``: ``name`` (what a catalog item names), ``label``,
``required_fields`` (form field name -> accepted field types), ``config_schema`` (config key -> spec),
``idempotent`` and ``calls_out`` (what the engine may do when a worker dies mid-run) and
``run(*, params, subject, config) -> ActionResult`` raising ActionError (permanent) or RetryableError (transient).

The engine knows nothing of its subjects: their owner (e.g. apps.fulfillment) calls ``register_subject_handler``
at import time to be told when a run finishes and to say who may see and retry its subjects.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from apps.automation.exceptions import ActionError, RetryableError

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from apps.accounts.models import User
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
    "action_validate",
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
    # Whether running it twice with the same Subject.key has the effect of running it once. When a worker dies
    # after the external call of a non-idempotent action may have happened, the run needs a person's attention
    # instead of being repeated (apps.automation.services.run_reclaim).
    idempotent: ClassVar[bool] = False
    # Whether it acts outside Steward's database; only then is an attempt marked as "may have called out".
    calls_out: ClassVar[bool] = True

    def run(self, *, params: dict[str, Any], subject: Subject, config: dict[str, Any]) -> ActionResult:
        raise NotImplementedError

    def clean_config(self, config: dict[str, Any]) -> dict[str, Any]:
        """Action-specific checks of a config that already matches ``config_schema``; ValidationError if wrong."""
        return config

    def secrets(self, config: dict[str, Any]) -> list[str]:
        """Secret values this run may meet (e.g. a signing secret): scrubbed from every error and output kept."""
        return []


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
    - ``can_retry(user, subject)`` and ``retry(subject, user, confirmed)``: start a new run after a failure;
      ``confirmed`` says the person was told the last run's external call may have happened (needs attention);
    - ``can_see_details(user, subject)`` and ``detail_ids(user)``: who reads runs' errors and outputs (redacted);
      everyone else who sees the subject reads only a status and a human message.
    """

    on_finished: Callable[[AutomationRun], None]
    get_for_user: Callable[[User | AnonymousUser, str], Any] | None = None
    visible_ids: Callable[[User | AnonymousUser], QuerySet[Any]] | None = None
    can_retry: Callable[[User | AnonymousUser, Any], bool] | None = None
    retry: Callable[[Any, User, bool], Any] | None = None
    can_see_details: Callable[[User | AnonymousUser, Any], bool] | None = None
    detail_ids: Callable[[User | AnonymousUser], QuerySet[Any]] | None = None


_HANDLERS: dict[str, SubjectHandler] = {}


def register_subject_handler(
    subject_type: str,
    on_finished: Callable[[AutomationRun], None],
    *,
    get_for_user: Callable[[User | AnonymousUser, str], Any] | None = None,
    visible_ids: Callable[[User | AnonymousUser], QuerySet[Any]] | None = None,
    can_retry: Callable[[User | AnonymousUser, Any], bool] | None = None,
    retry: Callable[[Any, User, bool], Any] | None = None,
    can_see_details: Callable[[User | AnonymousUser, Any], bool] | None = None,
    detail_ids: Callable[[User | AnonymousUser], QuerySet[Any]] | None = None,
) -> None:
    """Register (or replace) the handler of ``subject_type``; the subject's app calls this when imported."""
    _HANDLERS[subject_type] = SubjectHandler(
        on_finished=on_finished,
        get_for_user=get_for_user,
        visible_ids=visible_ids,
        can_retry=can_retry,
        retry=retry,
        can_see_details=can_see_details,
        detail_ids=detail_ids,
    )


def get_subject_handler(subject_type: str) -> SubjectHandler | None:
    return _HANDLERS.get(subject_type)


def subject_handlers() -> dict[str, SubjectHandler]:
    return dict(_HANDLERS)


# --- Validation (the catalog asks before saving an automated item) ----------------------------------------


def action_validate(*, action: str, fields: Mapping[str, Mapping[str, Any]], config: object) -> dict[str, Any]:
    """The normalised config of ``action`` for a form with ``fields`` (name -> field definition).

    Raises ValidationError keyed ``automation_action`` (unknown action, missing or unfit form field) or
    ``automation_config`` (config does not fit the action).
    """
    found = get_action(action)
    if found is None:
        names = ", ".join(a.name for a in action_list())
        raise ValidationError({"automation_action": f'Unknown automation action "{action}" (known: {names}).'})
    for name, types in sorted(found.required_fields.items()):
        spec = fields.get(name)
        wanted = " or ".join(sorted(types))
        if spec is None or spec.get("type") not in types:
            raise ValidationError(
                {"automation_action": f'The action "{action}" needs a form field "{name}" of type {wanted}.'}
            )
        if not spec.get("required") or spec.get("show_if"):
            raise ValidationError(
                {"automation_action": f'The form field "{name}" must be required and always shown for "{action}".'}
            )
    try:
        return check_config(found, config)
    except ValidationError as exc:
        raise ValidationError({"automation_config": exc.messages}) from exc
