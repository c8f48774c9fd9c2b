"""Limits people can see before they hit them: the comment box's length, the attachment size and types, and
errors shown at a glance (red border and message) when a form comes back."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.fulfillment.services import COMMENT_MAX_CHARS

pytestmark = pytest.mark.django_db


def test_the_comment_box_states_its_limit_and_the_browser_keeps_it(client_for, owner, sr):
    body = client_for(owner).get(sr.get_absolute_url()).content.decode()
    assert f'maxlength="{COMMENT_MAX_CHARS}"' in body
    assert f"Up to {COMMENT_MAX_CHARS:,} characters" in body


def test_the_attachment_box_states_the_limit_in_mb_and_the_types(client_for, owner, sr, settings):
    settings.STEWARD_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    body = client_for(owner).get(sr.get_absolute_url()).content.decode()
    assert "Up to 10 MB: " in body and "docx" in body and "webp" in body and "svg" not in body
    assert f'data-max-bytes="{10 * 1024 * 1024}"' in body
    assert 'accept=".csv,.docx,' in body


def test_a_refused_comment_comes_back_marked_red_with_its_message_and_the_text_kept(client_for, owner, sr):
    too_long = "y" * (COMMENT_MAX_CHARS + 1)
    response = client_for(owner).post(reverse("fulfillment:comment-create", args=[sr.number]), {"body": too_long})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'class="mb-3 has-error"' in body and 'aria-invalid="true"' in body
    assert f"(it has {COMMENT_MAX_CHARS + 1})" in body  # Django's max_length message, next to the field
    assert too_long in body


def test_an_oversized_attachment_is_refused_with_the_limit_in_mb(client_for, owner, sr, settings):
    settings.STEWARD_ATTACHMENT_MAX_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("big.txt", b"x" * (1024 * 1024 + 1), content_type="text/plain")
    response = client_for(owner).post(reverse("fulfillment:attachment-create", args=[sr.number]), {"file": upload})
    assert "larger than the 1 MB limit" in response.content.decode()
    assert not sr.attachments.exists()
