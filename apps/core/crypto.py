"""Secrets at rest: Fernet encryption with the keys of settings.STEWARD_SECRETS_KEYS, and a model field using it.

The keys are newest first: the first encrypts, every one decrypts (``MultiFernet``), so a key is rotated by
putting a new one in front, re-encrypting the stored values (``rotate``; for HTTP endpoints
``manage.py automation_rotate_secrets``) and only then dropping the old key. portal/settings.py refuses to
start in production without a key and derives a development key from SECRET_KEY under DEBUG.

Reused by every app that keeps a secret it must send on (webhook signing secrets, CI tokens, signing keys).
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Expression

__all__ = ["EncryptedTextField", "SecretDecryptionError", "decrypt", "derive_key", "encrypt", "rotate"]

# Every Fernet token starts with this (version byte 0x80, base64url-encoded): how a stored value is told
# from a plain one during a migration.
TOKEN_PREFIX = "gAAAAA"  # noqa: S105  # a format marker, not a secret


class SecretDecryptionError(ImproperlyConfigured):
    """A stored secret cannot be decrypted with any configured key (a key was dropped too early?)."""


def derive_key(secret: str) -> str:
    """A Fernet key derived from ``secret`` (the development key: portal/settings.py under DEBUG does the same)."""
    return base64.urlsafe_b64encode(hashlib.sha256(b"steward-secrets:" + secret.encode()).digest()).decode()


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("STEWARD_SECRETS_KEY is not set: secrets cannot be encrypted or decrypted.")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "STEWARD_SECRETS_KEY must list Fernet keys (32 url-safe base64-encoded bytes), newest first."
        ) from exc


def _keys() -> MultiFernet:
    # Read on every call (cached per value) so that tests and key rotation may change the setting.
    return _fernet(tuple(getattr(settings, "STEWARD_SECRETS_KEYS", ())))


def encrypt(plain: str) -> str:
    """The Fernet token of ``plain`` under the newest key (a different token every call)."""
    return _keys().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    """The clear text of ``token``; SecretDecryptionError when no configured key opens it."""
    try:
        return _keys().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretDecryptionError("A stored secret cannot be decrypted with the configured keys.") from exc


def rotate(token: str) -> str:
    """``token`` re-encrypted under the newest key (what rotation does to every stored value)."""
    try:
        return _keys().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretDecryptionError("A stored secret cannot be decrypted with the configured keys.") from exc


class EncryptedTextField(models.TextField):
    """Text kept encrypted in the database and clear in Python; "" stays "" (no secret set).

    The column holds a Fernet token, so it cannot be searched, filtered or indexed by its clear value.
    """

    def from_db_value(self, value: str | None, expression: Expression, connection: BaseDatabaseWrapper) -> Any:
        if not value:
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(str(value))


@checks.register(checks.Tags.security)
def check_secrets_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``manage.py check`` fails on a malformed STEWARD_SECRETS_KEY instead of the first save of a secret."""
    try:
        _keys()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="core.E001")]
    return []
