from rest_framework import serializers

from apps.automation.models import AutomationRun


class AutomationRunSerializer(serializers.ModelSerializer):
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
            "output",
            "error",
        ]
        read_only_fields = fields
