"""Handing automated catalog items to apps.automation (hook called by lifecycle)."""

from apps.fulfillment.models import ServiceRequest


def request_automation_queue(*, request: ServiceRequest) -> None:
    """Queue the item's automation for ``request`` when the item is automated and the request may start."""
