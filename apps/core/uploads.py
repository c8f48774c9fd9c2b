"""Checks every uploaded file passes before it is stored (request attachments, article files and images).

One place, so a rule added for one kind of upload holds for all: size (STEWARD_ATTACHMENT_MAX_BYTES), type
(STEWARD_ATTACHMENT_TYPES, where the extension and the browser's claim must agree) and content (the first
bytes must match the type). Errors are keyed ``file``, the form field every upload form uses.
"""

from __future__ import annotations

import mimetypes
import os
import unicodedata

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import get_valid_filename

# Magic numbers: the file's first bytes must agree with the type its extension and browser claim.
SIGNATURES = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/pdf": (b"%PDF-",),
}


def sanitize_filename(name: str) -> str:
    """A safe base name: no path, no control characters, at most 100 characters, never empty."""
    name = unicodedata.normalize("NFKC", os.path.basename(name.replace("\\", "/")))
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    try:
        name = get_valid_filename(name)
    except SuspiciousFileOperation:
        return "attachment"
    stem, ext = os.path.splitext(name)
    return f"{stem[:90] or 'attachment'}{ext[:10].lower()}"


def upload_type(upload: UploadedFile[bytes], filename: str) -> str:
    """The content type of ``upload`` (saved as ``filename``) once size, type and content are checked;
    ValidationError keyed ``file`` otherwise."""
    if upload.size is None or upload.size > settings.STEWARD_ATTACHMENT_MAX_BYTES:
        limit = settings.STEWARD_ATTACHMENT_MAX_BYTES // 1024
        raise ValidationError({"file": f"The file is larger than the {limit} KiB limit."})
    if upload.size == 0:
        raise ValidationError({"file": "The file is empty."})
    guessed = mimetypes.guess_type(filename, strict=False)[0]
    declared = (upload.content_type or "").split(";")[0].strip().lower()
    allowed = settings.STEWARD_ATTACHMENT_TYPES
    if guessed not in allowed or declared != guessed:
        kinds = ", ".join(sorted({ext for t in allowed for ext in mimetypes.guess_all_extensions(t)}))
        raise ValidationError({"file": f"This type of file is not accepted; allowed: {kinds}."})
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    signatures = SIGNATURES.get(guessed)
    if (signatures and not head.startswith(signatures)) or (guessed.startswith("text/") and b"\x00" in head):
        raise ValidationError({"file": "The file's content does not match its type."})
    return guessed
