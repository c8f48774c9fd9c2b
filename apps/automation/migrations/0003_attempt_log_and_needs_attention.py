import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("automation", "0002_encrypt_http_endpoint_secrets")]

    operations = [
        migrations.AlterField(
            model_name="automationrun",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("running", "Running"),
                    ("succeeded", "Succeeded"),
                    ("failed", "Failed"),
                    ("needs_attention", "Needs attention"),
                ],
                db_index=True,
                default="pending",
                max_length=16,
            ),
        ),
        migrations.CreateModel(
            name="AutomationAttempt",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "number",
                    models.PositiveIntegerField(help_text="1 for the run's first attempt (AutomationRun.attempts)."),
                ),
                ("started_at", models.DateTimeField()),
                (
                    "called_out_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="Set just before the external call: from then on it may have happened.",
                        null=True,
                    ),
                ),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("running", "Running"),
                            ("succeeded", "Succeeded"),
                            ("failed", "Failed"),
                            ("retrying", "Failed, retried later"),
                            ("lost", "Lost (the worker never finished it)"),
                        ],
                        default="running",
                        max_length=16,
                    ),
                ),
                ("error", models.TextField(blank=True)),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attempt_log",
                        to="automation.automationrun",
                    ),
                ),
            ],
            options={
                "ordering": ["run", "number"],
                "constraints": [
                    models.UniqueConstraint(fields=("run", "number"), name="automation_automationattempt_unique_number")
                ],
            },
        ),
    ]
