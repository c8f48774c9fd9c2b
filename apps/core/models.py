"""The audit trail: every state change in Steward, with who and when."""

from django.conf import settings
from django.db import models


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
