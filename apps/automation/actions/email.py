"""``email``: send an email whose subject and body are templates the administrator wrote in the item's config.

The templates are rendered by a bare Django template engine (no loaders, no template libraries to load,
autoescape off since the mail is plain text) with only the run's params in the context:
``answers`` (the form's answers), ``user``, ``requester`` and ``reference``.
"""

from __future__ import annotations

import smtplib
from typing import Any

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.template import Context, Engine, TemplateSyntaxError

from apps.accounts.models import User
from apps.automation.registry import Action, ActionError, ActionResult, ConfigKey, RetryableError, Subject, register

SMTP_TIMEOUT_SECONDS = 30
ENGINE = Engine(dirs=[], app_dirs=False, libraries={}, loaders=[], autoescape=False)


def render(source: str, params: dict[str, Any]) -> str:
    return ENGINE.from_string(source).render(Context(params, autoescape=False))


@register
class EmailAction(Action):
    name = "email"
    label = "Send a templated email"
    # A mail server cannot be asked whether it already took the message: a repeat sends the mail twice.
    idempotent = False
    config_schema = {
        "subject": ConfigKey(str, required=True, help="template of the subject line"),
        "body": ConfigKey(str, required=True, help="template of the plain-text body"),
        "to": ConfigKey(list, help="list of addresses"),
        "to_user": ConfigKey(bool, help="also send to the person the request is for"),
    }

    def clean_config(self, config: dict[str, Any]) -> dict[str, Any]:
        for key in ("subject", "body"):
            try:
                ENGINE.from_string(config[key])
            except TemplateSyntaxError as exc:
                raise ValidationError(f"The email {key} template is invalid: {exc}") from exc
        for address in config.get("to", []):
            if not isinstance(address, str):
                raise ValidationError('"to" must list email addresses.')
            validate_email(address)
        if not config.get("to") and not config.get("to_user"):
            raise ValidationError('The email action needs recipients: "to" addresses or "to_user": true.')
        return config

    def run(self, *, params: dict[str, Any], subject: Subject, config: dict[str, Any]) -> ActionResult:
        recipients = list(config.get("to", []))
        if config.get("to_user"):
            user = User.objects.filter(username=params.get("user"), is_active=True).first()
            if user is not None and user.email:
                recipients.append(user.email)
        if not recipients:
            raise ActionError("Nobody to send the email to.")
        try:
            title = " ".join(render(config["subject"], params).split())[:200]
            body = render(config["body"], params)
        except (KeyError, TemplateSyntaxError) as exc:
            raise ActionError(f"The email templates cannot be rendered: {exc}") from exc
        try:
            # Bounded well inside the task's soft time limit (settings.STEWARD_AUTOMATION_TIME_LIMIT_SECONDS).
            connection = get_connection(timeout=SMTP_TIMEOUT_SECONDS)
            EmailMessage(subject=title, body=body, to=recipients, connection=connection).send()
        except (smtplib.SMTPException, OSError) as exc:
            raise RetryableError(f"The mail server refused or did not answer: {exc}") from exc
        return ActionResult(
            output={"to": recipients, "subject": title, "summary": f"Sent “{title}” to {len(recipients)} recipient(s)."}
        )
