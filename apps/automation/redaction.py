"""Redaction of automation details (errors, outputs) before anyone reads them.

Even the agents who may see a run's details (apps.automation.permissions.can_see_details) see them through
``redact``: endpoint URLs lose their query strings and credentials, and whatever looks like a secret (the
endpoint's own secret, Authorization and bearer values, tokens, passwords, API keys, JWTs, long hex or
base64 keys) becomes ``[redacted]``. It errs on the side of hiding: a long mixed-case identifier goes too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

MASK = "[redacted]"

# Names whose values are secret wherever they appear (JSON keys, headers, form fields, "name=value"): words
# that may sit inside a longer name ("client_secret", "X-Api-Key"), and short ones matched only whole.
_INSIDE = (
    r"password|passwd|passphrase|secret|token|api[-_]?key|apikey|authorization|cookie|credential|signature"
    r"|private[-_]?key|access[-_]?key|session[-_]?id|sessionid"
)
_WHOLE = r"pwd|pass|sig|auth|key|session|jwt"
_SECRET_NAME = rf"(?:[\w-]*(?:{_INSIDE})[\w-]*|{_WHOLE})"
_SECRET_KEY_RE = re.compile(rf"^{_SECRET_NAME}$", re.IGNORECASE)
_MASKED = re.escape(MASK)

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # user:password@ in any URL, then query strings (where tokens travel): the URL is kept up to the "?".
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/@?#\"'<>]+@"), rf"\1{MASK}@"),
    (re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^\s?#\"'<>]*)\?[^\s#\"'<>]*"), rf"\1?{MASK}"),
    # "Authorization: Bearer xyz", "Authorization=Basic xyz"
    (re.compile(r"(?i)\b((?:proxy-)?authorization)\b[\"']?\s*[:=]\s*[\"']?(?:\w+\s+)?[^\s,;\"'}]+"), rf"\1: {MASK}"),
    # Bearer / Token / Basic schemes on their own
    (re.compile(r"(?i)\b(bearer|token|basic)\s+(?!" + _MASKED + r")[A-Za-z0-9._~+/=-]{6,}"), rf"\1 {MASK}"),
    # name = value, name: value, "name": "value" for secret-looking names (JSON inside an error text too)
    (
        re.compile(
            rf"(?i)((?<![\w-])[\"']?{_SECRET_NAME}[\"']?\s*[:=]\s*)(?!{_MASKED})(\"[^\"]*\"|'[^']*'|[^\s,;&}}\]]+)"
        ),
        rf"\1{MASK}",
    ),
    # JSON Web Tokens
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), MASK),
    # Well-known token formats: GitHub, GitLab, Slack, AWS access key ids, "sk-" API keys
    (re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|glpat-[\w-]{20,}|xox[abposr]-[\w-]{10,})"), MASK),
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b|\bsk-[A-Za-z0-9_-]{20,}"), MASK),
    # Long hex (HMACs, digests used as keys)
    (re.compile(r"\b[0-9a-fA-F]{32,}\b"), MASK),
    # Random keys: base64url/alphanumeric runs of 24+ with upper, lower and digits; standard base64 of 40+.
    # Never starting inside a word or a host name; a path segment may be a key (webhook URLs carry them).
    (re.compile(r"(?<![\w.+=-])(?=[\w-]*[a-z])(?=[\w-]*[A-Z])(?=[\w-]*\d)[\w-]{24,}={0,2}"), MASK),
    (re.compile(r"(?<![\w.+/=-])(?=[\w+/]*[a-z])(?=[\w+/]*[A-Z])(?=[\w+/]*\d)[A-Za-z0-9+][\w+/]{39,}={0,2}"), MASK),
]


def redact(text: str, *, secrets: Iterable[str] = ()) -> str:
    """``text`` with the given secrets and every known secret pattern replaced by ``[redacted]``."""
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_data(value: Any, *, secrets: Iterable[str] = ()) -> Any:
    """A JSON value with secret-named keys masked and every string redacted (``redact``), recursively."""
    secrets = tuple(secrets)
    if isinstance(value, dict):
        return {
            key: MASK if _SECRET_KEY_RE.match(str(key)) else redact_data(item, secrets=secrets)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact_data(item, secrets=secrets) for item in value]
    if isinstance(value, str):
        return redact(value, secrets=secrets)
    return value
