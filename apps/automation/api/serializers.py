from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.automation.models import AutomationRun
from apps.automation.selectors import run_details, run_message


class AutomationRunSerializer(serializers.ModelSerializer):
    """A run as its reader may see it: ``output`` and ``error`` only for the fulfilling team's agents (and
    admins), redacted; null for everyone else, who read ``message``."""

    message = serializers.SerializerMethodField(help_text="A human sentence about the run, for anyone.")
    output = serializers.SerializerMethodField(help_text="What the action produced (redacted); null if hidden.")
    error = serializers.SerializerMethodField(help_text="Why the run failed (redacted); null if hidden.")

    class Meta:
        model = AutomationRun
        fields = [
            "id",
            "action",
            "subject_type",
            "subject_id",
            "sequence",
            "status",
            "attempts",
            "created_at",
            "started_at",
            "finished_at",
            "message",
            "output",
            "error",
        ]
        read_only_fields = fields

    def get_message(self, run: AutomationRun) -> str:
        return run_message(run)

    # details_visible: annotated by apps.automation.selectors.run_queryset_for, the viewset's queryset.
    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_output(self, run: AutomationRun) -> dict[str, Any] | None:
        return run_details(run).output if getattr(run, "details_visible", False) else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_error(self, run: AutomationRun) -> str | None:
        return run_details(run).error if getattr(run, "details_visible", False) else None
