"""Runs recorded before details were scrubbed when written: their errors and outputs lose the endpoint's secret
and every known secret pattern (apps.automation.redaction), as new runs' do. Not reversible (nothing to restore)."""

from django.db import migrations

from apps.automation.redaction import redact, redact_data


def redact_runs(apps, schema_editor):
    AutomationRun = apps.get_model("automation", "AutomationRun")
    HttpEndpoint = apps.get_model("automation", "HttpEndpoint")
    secrets_by_slug = {endpoint.slug: [endpoint.secret] for endpoint in HttpEndpoint.objects.all()}
    for run in AutomationRun.objects.exclude(error="", output={}).iterator(chunk_size=500):
        secrets = secrets_by_slug.get((run.config or {}).get("endpoint"), []) if run.action == "http" else []
        error, output = redact(run.error, secrets=secrets), redact_data(run.output, secrets=secrets)
        if (error, output) != (run.error, run.output):
            AutomationRun.objects.filter(pk=run.pk).update(error=error, output=output)


class Migration(migrations.Migration):
    dependencies = [("automation", "0003_attempt_log_and_needs_attention")]

    operations = [migrations.RunPython(redact_runs, migrations.RunPython.noop)]
