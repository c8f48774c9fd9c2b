"""Token scopes as a domain rule: what a token may do (the DRF classes built on it: apps.accounts.api.permissions)."""

from apps.accounts.choices import TokenAccess
from apps.accounts.models import ApiToken


def token_has_scope(token: ApiToken, scope: str, write: bool) -> bool:
    """Whether ``token`` may read (``write=False``) or also write (``write=True``) within ``scope``."""
    if scope not in (token.scopes or []):
        return False
    return not write or token.access == TokenAccess.WRITE
