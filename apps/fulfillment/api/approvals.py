"""API of the approver's inbox: list requests waiting for the caller's decision, and decide."""

from rest_framework.routers import SimpleRouter


def register(router: SimpleRouter) -> None:
    """Register the approval endpoints on the fulfillment API router."""
