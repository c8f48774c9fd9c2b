"""Reads of the audit trail."""

from django.db import models
from django.db.models import QuerySet

from apps.core.models import AuditEvent
from apps.core.services import audit_target_key


def audit_events_for(obj: models.Model) -> QuerySet[AuditEvent]:
    """Every recorded event about ``obj``, oldest first, with its actor."""
    target_type, target_id = audit_target_key(obj)
    return AuditEvent.objects.filter(target_type=target_type, target_id=target_id).select_related("actor")
