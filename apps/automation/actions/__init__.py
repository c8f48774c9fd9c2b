"""The built-in actions; importing this package registers them (apps.automation.registry loads it)."""

from apps.automation.actions import email, http, join_team  # noqa: F401
