"""Production is the default: DEBUG off unless asked for, and no known secret key without DEBUG."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

# Production needs its other secrets too (e.g. the key that encrypts stored secrets).
PRODUCTION_SECRETS = {"STEWARD_SECRETS_KEY": "ZmFrZS1mZXJuZXQta2V5LWZvci10ZXN0cy0wMDAwMDA="}
PRINT_SETTINGS = "import django; django.setup(); from django.conf import settings as s; print(s.DEBUG, s.SECRET_KEY)"


def load_settings(tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    """Import portal.settings in a fresh interpreter with only ``env`` (and nothing from this process's)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECRET_KEY", "STEWARD_"))}
    base.update(DJANGO_SETTINGS_MODULE="portal.settings", STEWARD_VAR_DIR=str(tmp_path), **PRODUCTION_SECRETS)
    base.update(env)
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=settings.BASE_DIR,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_debug_is_off_unless_asked_for(tmp_path):
    result = load_settings(tmp_path, SECRET_KEY="a-real-secret-" + "x" * 40)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "False"


def test_without_debug_a_secret_key_is_required(tmp_path):
    result = load_settings(tmp_path)

    assert result.returncode != 0
    assert "set SECRET_KEY" in result.stderr


def test_without_debug_the_development_key_is_refused(tmp_path):
    result = load_settings(tmp_path, DJANGO_DEBUG="false", SECRET_KEY=settings.DEV_SECRET_KEY)

    assert result.returncode != 0
    assert "set SECRET_KEY" in result.stderr


def test_development_asks_for_debug_and_gets_the_development_key(tmp_path):
    result = load_settings(tmp_path, DJANGO_DEBUG="true")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", settings.DEV_SECRET_KEY]


def test_secret_key_file_is_read(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("from-a-file-" + "y" * 40 + "\n")

    result = load_settings(tmp_path, SECRET_KEY_FILE=str(key_file))

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[1] == "from-a-file-" + "y" * 40


def test_any_setting_reads_its_file_variant(tmp_path):
    """django-environ's file-aware env: NAME_FILE stands for NAME (here the secrets key and the database URL)."""
    (tmp_path / "fernet").write_text(PRODUCTION_SECRETS["STEWARD_SECRETS_KEY"] + "\n")
    (tmp_path / "db").write_text(f"sqlite:///{tmp_path / 'from-file.sqlite3'}")
    show = "import django; django.setup(); from django.conf import settings as s; "
    show += "print(s.STEWARD_SECRETS_KEYS[0], s.DATABASES['default']['NAME'])"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECRET_KEY", "STEWARD_", "DATABASE"))}
    base.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        STEWARD_VAR_DIR=str(tmp_path),
        SECRET_KEY="a-real-secret-" + "x" * 40,
        STEWARD_SECRETS_KEY_FILE=str(tmp_path / "fernet"),
        DATABASE_URL_FILE=str(tmp_path / "db"),
    )

    result = subprocess.run(
        [sys.executable, "-c", show], cwd=settings.BASE_DIR, env=base, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [PRODUCTION_SECRETS["STEWARD_SECRETS_KEY"], str(tmp_path / "from-file.sqlite3")]


@pytest.mark.parametrize("rate", ["fast", "10", "10/fortnight"])
def test_a_bad_throttle_rate_stops_start_up(tmp_path, rate):
    result = load_settings(tmp_path, DJANGO_DEBUG="true", STEWARD_API_THROTTLE_USER=rate)

    assert result.returncode != 0
    assert "STEWARD_API_THROTTLE_USER" in result.stderr


def test_dev_runner_children_run_with_debug(monkeypatch):
    from apps.core.management.commands.dev import child_env

    monkeypatch.setenv("DJANGO_DEBUG", "false")

    assert child_env()["DJANGO_DEBUG"] == "true"
