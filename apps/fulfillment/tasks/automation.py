"""Celery tasks of fulfillment: automation.

The tasks themselves are apps.automation.tasks (automation_execute_run, automation_sweep_pending); a worker
imports this module through Celery's autodiscovery, which registers the service-request subject handler
that turns finished runs into fulfilled or failed requests.
"""

from apps.fulfillment.services import automation as _handler  # noqa: F401  # registers the subject handler
