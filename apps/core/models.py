"""The audit trail (every state change in Steward, with who and when) and the notification outbox."""

from django.conf import settings
from django.db import models

from apps.core.choices import NotificationChannel, NotificationStatus


class AuditEvent(models.Model):
    """One recorded change of one object: who did what to it, when, and the details."""

    target_type = models.CharField(max_length=100, help_text="app_label.model of the changed object")
    target_id = models.CharField(max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verb = models.CharField(max_length=64, help_text="what happened, e.g. created, status_changed")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["target_type", "target_id", "created_at"], name="core_audit_target_idx")]

    def __str__(self) -> str:
        return f"{self.target_type}#{self.target_id} {self.verb}"


class Notification(models.Model):
    """One message to one recipient about one event: the outbox row a worker sends exactly once.

    Written in the transaction of the event it tells about, so a rolled-back event sends nothing and a
    committed one is never lost; (event_key, recipient, channel) is the idempotency key.
    """

    event_key = models.CharField(max_length=200, help_text="what happened, e.g. fulfillment.status:123")
    recipient = models.CharField(max_length=254, help_text="the address on the channel (an email address)")
    channel = models.CharField(max_length=20, choices=NotificationChannel, default=NotificationChannel.EMAIL)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    status = models.CharField(
        max_length=20, choices=NotificationStatus, default=NotificationStatus.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    available_at = models.DateTimeField(help_text="the sweep sends a pending row from this time on")
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_key", "recipient", "channel"], name="%(app_label)s_%(class)s_once_per_recipient"
            ),
        ]
        indexes = [models.Index(fields=["status", "available_at"], name="core_notification_due_idx")]

    def __str__(self) -> str:
        return f"{self.event_key} → {self.recipient} ({self.status})"
