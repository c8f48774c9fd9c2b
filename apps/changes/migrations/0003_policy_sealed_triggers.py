"""Seal the versions already active (they scored changes) and install the immutability triggers."""

from typing import Any

from django.db import migrations
from django.db.models import F

from apps.changes import policy_triggers


def seal_active(apps: Any, schema_editor: Any) -> None:
    RiskPolicy = apps.get_model("changes", "RiskPolicy")
    RiskPolicy.objects.filter(is_active=True, activated_at__isnull=True).update(activated_at=F("created_at"))


def install(apps: Any, schema_editor: Any) -> None:
    policy_triggers.install(schema_editor)


def remove(apps: Any, schema_editor: Any) -> None:
    policy_triggers.remove(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("changes", "0002_policy_versions")]

    operations = [
        migrations.RunPython(seal_active, migrations.RunPython.noop),
        migrations.RunPython(install, remove),
    ]
