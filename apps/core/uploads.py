"""Checks every uploaded file passes before it is stored (request attachments, article files and images).

One place, so a rule added for one kind of upload holds for all: size (STEWARD_ATTACHMENT_MAX_BYTES), type
(STEWARD_ATTACHMENT_TYPES: the extension names the type, and the browser's claim must agree or be the generic
one) and content (the first bytes must match the type; office files and ZIPs are opened to refuse macros and
programs). Errors are keyed ``file``, the form field every upload form uses.

The allow-list fits office work: documents, spreadsheets and presentations (Office Open XML and OpenDocument,
never the macro-enabled variants), PDF, images (PNG, JPEG, GIF, WebP; no SVG, which can carry script), text,
CSV, logs and ZIP. Scripts and executables have no entry, so they are refused.
"""

from __future__ import annotations

import os
import unicodedata
import zipfile

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import get_valid_filename

from apps.core.sizes import size_text

OOXML = "application/vnd.openxmlformats-officedocument."
ODF = "application/vnd.oasis.opendocument."
# Extension -> the one type Steward stores it as. Python's mimetypes differs between machines
# (/etc/mime.types), so the table is ours.
TYPES_BY_EXTENSION = {
    ".docx": OOXML + "wordprocessingml.document",
    ".xlsx": OOXML + "spreadsheetml.sheet",
    ".pptx": OOXML + "presentationml.presentation",
    ".odt": ODF + "text",
    ".ods": ODF + "spreadsheet",
    ".odp": ODF + "presentation",
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".txt": "text/plain",
    ".log": "text/plain",
    ".csv": "text/csv",
    ".json": "application/json",
    ".zip": "application/zip",
}
# The default of settings.STEWARD_ATTACHMENT_TYPES.
DEFAULT_TYPES = sorted(set(TYPES_BY_EXTENSION.values()))
# What browsers also send for these types (Windows' registry, Firefox, Safari), besides the generic type below.
ALIASES = {
    "text/csv": {"application/vnd.ms-excel", "application/csv", "text/x-csv"},
    "text/plain": {"text/x-log"},
    "application/zip": {"application/x-zip-compressed", "application/x-zip", "multipart/x-zip"},
    "image/jpeg": {"image/pjpeg"},
}
GENERIC = {"", "application/octet-stream"}  # "I do not know": the content check decides

# Magic numbers: the file's first bytes must agree with its type.
ZIP_SIGNATURE = (b"PK\x03\x04",)
SIGNATURES = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/pdf": (b"%PDF-",),
    "application/zip": ZIP_SIGNATURE,
    **{kind: ZIP_SIGNATURE for kind in DEFAULT_TYPES if kind.startswith((OOXML, ODF))},
}
TEXT_TYPES = {"text/plain", "text/csv", "application/json"}
# Inside ZIPs and office files: programs, scripts and macros are refused.
RISKY_MEMBER_SUFFIXES = (
    ".exe", ".dll", ".com", ".scr", ".msi", ".bat", ".cmd", ".ps1", ".vbs", ".vbe", ".js", ".jse", ".wsf",
    ".hta", ".jar", ".sh", ".lnk", ".docm", ".xlsm", ".pptm", "vbaproject.bin",
)  # fmt: skip
MACRO_FOLDERS = ("basic/", "scripts/")  # OpenDocument keeps Basic and other macros there


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


def allowed_extensions() -> list[str]:
    """The extensions accepted under the current settings, e.g. for an ``accept`` attribute or a help text."""
    allowed = set(settings.STEWARD_ATTACHMENT_TYPES)
    return sorted(ext for ext, kind in TYPES_BY_EXTENSION.items() if kind in allowed)


def upload_limit_text() -> str:
    """The attachment limit as people read it: ``10 MB``."""
    return size_text(settings.STEWARD_ATTACHMENT_MAX_BYTES)


def _refuse(message: str) -> ValidationError:
    return ValidationError({"file": message})


def _check_archive(upload: UploadedFile[bytes], kind: str) -> None:
    """A ZIP or office file must open as a ZIP and hold no program, script or macro."""
    try:
        with zipfile.ZipFile(upload) as archive:
            names = [info.filename.lower() for info in archive.infolist()]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _refuse("The file's content does not match its type.") from exc
    finally:
        upload.seek(0)
    risky = [n for n in names if n.endswith(RISKY_MEMBER_SUFFIXES)]
    if kind.startswith(ODF):
        risky += [n for n in names if n.startswith(MACRO_FOLDERS)]
    if risky:
        raise _refuse("Files with macros, programs or scripts are not accepted.")


def upload_type(upload: UploadedFile[bytes], filename: str) -> str:
    """The content type of ``upload`` (saved as ``filename``) once size, type and content are checked;
    ValidationError keyed ``file`` otherwise."""
    if upload.size is None or upload.size > settings.STEWARD_ATTACHMENT_MAX_BYTES:
        raise _refuse(f"The file is larger than the {upload_limit_text()} limit.")
    if upload.size == 0:
        raise _refuse("The file is empty.")
    kind = TYPES_BY_EXTENSION.get(os.path.splitext(filename)[1].lower())
    declared = (upload.content_type or "").split(";")[0].strip().lower()
    agrees = kind is not None and (declared == kind or declared in GENERIC or declared in ALIASES.get(kind, ()))
    if kind is None or kind not in settings.STEWARD_ATTACHMENT_TYPES or not agrees:
        raise _refuse(f"This type of file is not accepted; allowed: {', '.join(allowed_extensions())}.")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    signatures = SIGNATURES.get(kind)
    webp = kind != "image/webp" or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
    if (signatures and not head.startswith(signatures)) or not webp or (kind in TEXT_TYPES and b"\x00" in head):
        raise _refuse("The file's content does not match its type.")
    if signatures == ZIP_SIGNATURE:
        _check_archive(upload, kind)
    return kind
