"""The attachment allow-list (apps.core.uploads): office formats without macros, PDF, images without SVG,
text, CSV, logs and ZIP; scripts and executables refused; the limit written in MB."""

import io
import zipfile

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.core.uploads import DEFAULT_TYPES, upload_type

OOXML = "application/vnd.openxmlformats-officedocument."
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32


def zipped(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "x")
    return buffer.getvalue()


DOCX = zipped("[Content_Types].xml", "word/document.xml")


def test_the_settings_default_is_the_tables_list():
    assert sorted(settings.STEWARD_ATTACHMENT_TYPES) == DEFAULT_TYPES


@pytest.mark.parametrize(
    ("name", "content", "declared", "stored_as"),
    [
        ("report.docx", DOCX, OOXML + "wordprocessingml.document", OOXML + "wordprocessingml.document"),
        ("budget.xlsx", zipped("xl/workbook.xml"), "application/octet-stream", OOXML + "spreadsheetml.sheet"),
        ("deck.pptx", zipped("ppt/presentation.xml"), OOXML + "presentationml.presentation", None),
        ("notes.odt", zipped("mimetype", "content.xml"), "application/vnd.oasis.opendocument.text", None),
        ("sheet.ods", zipped("mimetype", "content.xml"), "", "application/vnd.oasis.opendocument.spreadsheet"),
        ("scan.pdf", b"%PDF-1.7\n", "application/pdf", None),
        ("photo.webp", WEBP, "image/webp", None),
        ("photo.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 8, "image/jpeg", "image/jpeg"),
        ("server.log", b"2026-01-01 started\n", "text/x-log", "text/plain"),
        ("data.csv", b"a,b\n1,2\n", "application/vnd.ms-excel", "text/csv"),
        ("logs.zip", zipped("a.log", "b.txt"), "application/x-zip-compressed", "application/zip"),
    ],
)
def test_office_work_files_are_accepted(name, content, declared, stored_as):
    kind = upload_type(SimpleUploadedFile(name, content, content_type=declared), name.lower())
    assert kind == (stored_as or declared)


@pytest.mark.parametrize(
    ("name", "content", "declared", "message"),
    [
        ("macro.docm", DOCX, "application/vnd.ms-word.document.macroEnabled.12", "not accepted"),
        ("renamed.docx", zipped("word/document.xml", "word/vbaProject.bin"), OOXML + "wordprocessingml.document",
         "macros"),
        ("basic.odt", zipped("mimetype", "Basic/Standard/Module1.xml"), "application/vnd.oasis.opendocument.text",
         "macros"),
        ("tools.zip", zipped("readme.txt", "setup.exe"), "application/zip", "programs"),
        ("fake.docx", b"PK\x03\x04 not really a zip", OOXML + "wordprocessingml.document", "does not match"),
        ("drawing.svg", b"<svg onload='x'/>", "image/svg+xml", "not accepted"),
        ("run.sh", b"#!/bin/sh\n", "application/x-sh", "not accepted"),
        ("setup.exe", b"MZ", "application/octet-stream", "not accepted"),
        ("fake.webp", b"RIFF\x00\x00\x00\x00AVI " + b"\x00" * 8, "image/webp", "does not match"),
        ("photo.png", PNG, "text/plain", "not accepted"),
    ],
)  # fmt: skip
def test_scripts_executables_macros_and_disguises_are_refused(name, content, declared, message):
    with pytest.raises(ValidationError, match=message):
        upload_type(SimpleUploadedFile(name, content, content_type=declared), name.lower())


def test_the_size_limit_is_written_in_mb(settings):
    settings.STEWARD_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    big = SimpleUploadedFile("a.txt", b"x", content_type="text/plain")
    big.size = 10 * 1024 * 1024 + 1
    with pytest.raises(ValidationError, match="larger than the 10 MB limit"):
        upload_type(big, "a.txt")
