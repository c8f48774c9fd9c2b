"""The notification outbox in tests without a worker: what is queued, and sending it as the worker would."""

from apps.core.models import Notification
from apps.core.notifications import notification_send


def queued(prefix: str = "") -> list[tuple[str, str]]:
    """(event key, recipient) of every outbox row whose key starts with ``prefix``, in the order written."""
    rows = Notification.objects.filter(event_key__startswith=prefix).order_by("pk")
    return list(rows.values_list("event_key", "recipient"))


def deliver_outbox() -> int:
    """Send every pending row here with the worker's own service (real email backend); how many were sent."""
    pending = list(Notification.objects.filter(status="pending").order_by("pk").values_list("pk", flat=True))
    return sum(notification_send(notification_id=pk) == "sent" for pk in pending)
