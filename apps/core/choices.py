"""Choices shared by every app: the outbox's channels and statuses."""

from django.db import models


class NotificationChannel(models.TextChoices):
    EMAIL = "email", "Email"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # not sent yet: a task or the sweep will send it
    SENDING = "sending", "Sending"  # claimed by one delivery of the send task
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"  # gave up after the last attempt; last_error says why
