"""SLA clocks in the fulfilling team's business time (issue: "Service desk"; hooks called by lifecycle)."""

from typing import Any

from apps.fulfillment.models import Comment, ServiceRequest


def request_sla_refresh(*, request: ServiceRequest) -> None:
    """Recompute ``request``'s due time from its recorded state changes. Called after every write."""


def request_sla_on_comment(*, request: ServiceRequest, comment: Comment) -> Any:
    """React to a new comment (a requester's reply resumes a paused clock)."""
