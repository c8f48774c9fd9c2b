"""HttpEndpoint.secret encrypted at rest (apps.core.crypto): a new encrypted column, the secrets copied into it
(encrypted on the way), the clear column dropped and the new one renamed. Reversible: back to clear text."""

from django.db import migrations, models

import apps.core.crypto


def encrypt_secrets(apps, schema_editor):
    HttpEndpoint = apps.get_model("automation", "HttpEndpoint")
    for endpoint in HttpEndpoint.objects.all():
        endpoint.secret_encrypted = endpoint.secret  # EncryptedTextField encrypts it when saved
        endpoint.save(update_fields=["secret_encrypted"])


def decrypt_secrets(apps, schema_editor):
    HttpEndpoint = apps.get_model("automation", "HttpEndpoint")
    for endpoint in HttpEndpoint.objects.all():
        endpoint.secret = endpoint.secret_encrypted  # read decrypted, written in clear
        endpoint.save(update_fields=["secret"])


class Migration(migrations.Migration):
    dependencies = [("automation", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="httpendpoint",
            name="secret_encrypted",
            field=apps.core.crypto.EncryptedTextField(blank=True, default=""),
        ),
        # A default for the clear column, so that unapplying can add it back to existing rows.
        migrations.AlterField(
            model_name="httpendpoint", name="secret", field=models.CharField(blank=True, default="", max_length=200)
        ),
        migrations.RunPython(encrypt_secrets, decrypt_secrets),
        migrations.RemoveField(model_name="httpendpoint", name="secret"),
        migrations.RenameField(model_name="httpendpoint", old_name="secret_encrypted", new_name="secret"),
        migrations.AlterField(
            model_name="httpendpoint",
            name="secret",
            field=apps.core.crypto.EncryptedTextField(
                help_text="Signs each body: X-Steward-Signature: sha256=<HMAC hex>."
            ),
        ),
    ]
