"""API token keys: generated once, shown once, stored as a SHA-256 digest."""

import hashlib
import secrets

KEY_PREFIX = "stw_"


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def digest_key(key: str) -> str:
    # A fast digest, not a password hash: keys are 256 random bits, so a lookup by digest is safe
    # and costs nothing per request, where PBKDF2 would cost tens of milliseconds on every call.
    return hashlib.sha256(key.encode()).hexdigest()
