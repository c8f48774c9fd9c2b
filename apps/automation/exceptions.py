"""What an action raises: ActionError is permanent (the run fails), RetryableError is transient (retried)."""

from django.core.exceptions import ValidationError


class ActionError(Exception):
    """The action cannot succeed as configured or asked; retrying would not help."""


class RetryableError(Exception):
    """A transient failure (network, timeout, 5xx): the run is retried with exponential backoff."""


class RetryNeedsConfirmation(ValidationError):
    """The last run needs attention: retrying may repeat an external call, so a person must confirm it."""
