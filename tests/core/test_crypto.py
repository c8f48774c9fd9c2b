"""apps.core.crypto: secrets encrypted at rest, MultiFernet rotation, a missing or bad key refused."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from apps.automation.models import HttpEndpoint
from apps.core.crypto import SecretDecryptionError, check_secrets_keys, decrypt, derive_key, encrypt, rotate

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def stored_secret(endpoint):
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM automation_httpendpoint WHERE id = %s", [endpoint.pk])
        return cursor.fetchone()[0]


def test_round_trip_and_a_new_token_every_time(settings):
    settings.STEWARD_SECRETS_KEYS = [NEW]
    first, second = encrypt("s3cret"), encrypt("s3cret")
    assert first != second and "s3cret" not in first
    assert decrypt(first) == decrypt(second) == "s3cret"


def test_rotation_old_key_still_decrypts_and_rotate_moves_to_the_new_one(settings):
    settings.STEWARD_SECRETS_KEYS = [OLD]
    token = encrypt("s3cret")
    settings.STEWARD_SECRETS_KEYS = [NEW, OLD]
    assert decrypt(token) == "s3cret"
    rotated = rotate(token)
    settings.STEWARD_SECRETS_KEYS = [NEW]
    assert decrypt(rotated) == "s3cret"
    with pytest.raises(SecretDecryptionError):
        decrypt(token)  # the old key is gone: what was not rotated can no longer be read


def test_missing_or_malformed_key_is_refused(settings):
    settings.STEWARD_SECRETS_KEYS = []
    with pytest.raises(ImproperlyConfigured):
        encrypt("x")
    assert [m.id for m in check_secrets_keys()] == ["core.E001"]
    settings.STEWARD_SECRETS_KEYS = ["not-a-fernet-key"]
    assert [m.id for m in check_secrets_keys()] == ["core.E001"]
    settings.STEWARD_SECRETS_KEYS = [derive_key("anything")]
    assert check_secrets_keys() == []


@pytest.mark.django_db
def test_the_endpoint_secret_is_stored_encrypted_and_read_in_clear(settings):
    settings.STEWARD_SECRETS_KEYS = [NEW]
    endpoint = HttpEndpoint.objects.create(name="Hook", slug="hook", url="https://example.com/", secret="s3cret")

    raw = stored_secret(endpoint)
    assert raw.startswith("gAAAAA") and "s3cret" not in raw
    assert HttpEndpoint.objects.get(pk=endpoint.pk).secret == "s3cret"


@pytest.mark.django_db
def test_rotate_command_re_encrypts_every_endpoint_under_the_newest_key(settings):
    from django.core.management import call_command

    settings.STEWARD_SECRETS_KEYS = [OLD]
    endpoint = HttpEndpoint.objects.create(name="Hook", slug="hook", url="https://example.com/", secret="s3cret")
    settings.STEWARD_SECRETS_KEYS = [NEW, OLD]
    call_command("automation_rotate_secrets", stdout=io.StringIO())

    settings.STEWARD_SECRETS_KEYS = [NEW]
    assert HttpEndpoint.objects.get(pk=endpoint.pk).secret == "s3cret"


# --- portal/settings.py: where the keys come from -----------------------------------------------------------

PRINT_KEYS = (
    "import django; django.setup(); from django.conf import settings as s; print(','.join(s.STEWARD_SECRETS_KEYS))"
)


def load_keys(tmp_path, **env):
    """STEWARD_SECRETS_KEYS as portal.settings reads them in a fresh interpreter with only ``env`` set."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECRET_KEY", "STEWARD_"))}
    base.update(DJANGO_SETTINGS_MODULE="portal.settings", STEWARD_VAR_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "-c", PRINT_KEYS], cwd=settings.BASE_DIR, env=base, capture_output=True, text=True, timeout=60
    )


PRODUCTION = {"DJANGO_DEBUG": "false", "SECRET_KEY": "a-real-secret-" + "x" * 40}


def test_production_refuses_to_start_without_a_secrets_key(tmp_path):
    result = load_keys(tmp_path, **PRODUCTION, STEWARD_SECRETS_KEY="")
    assert result.returncode != 0 and "set STEWARD_SECRETS_KEY" in result.stderr


def test_production_reads_the_keys_from_the_environment_or_a_file(tmp_path):
    result = load_keys(tmp_path, **PRODUCTION, STEWARD_SECRETS_KEY=f"{NEW},{OLD}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{NEW},{OLD}"

    (tmp_path / "keys").write_text(f"{NEW}\n{OLD}\n")
    result = load_keys(tmp_path, **PRODUCTION, STEWARD_SECRETS_KEY_FILE=str(tmp_path / "keys"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{NEW},{OLD}"


def test_development_derives_its_key_from_secret_key(tmp_path):
    result = load_keys(tmp_path, DJANGO_DEBUG="true", SECRET_KEY="dev-" + "z" * 40)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == derive_key("dev-" + "z" * 40)
