"""Files and images of articles: the same checks as request attachments (apps.core.uploads)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from apps.accounts.models import User
from apps.core.services import audit_record
from apps.core.uploads import sanitize_filename, upload_type
from apps.knowledge.models import Article, ArticleAttachment
from apps.knowledge.permissions import can_edit_text


@transaction.atomic
def attachment_add(*, article: Article, upload: UploadedFile[bytes], actor: User) -> ArticleAttachment:
    """Store a checked file on the article; its writers then link it from the Markdown (images inline)."""
    if not can_edit_text(actor, article):
        raise PermissionDenied("Only the article's writers add files, and not to a retired article.")
    filename = sanitize_filename(upload.name or "attachment")
    content_type = upload_type(upload, filename)
    attachment = ArticleAttachment(
        article=article, filename=filename, content_type=content_type, size=upload.size or 0, uploaded_by=actor
    )
    attachment.file.save(filename, upload, save=False)
    attachment.save()
    audit_record(target=article, verb="knowledge.attachment.added", actor=actor, filename=filename, id=attachment.pk)
    return attachment


@transaction.atomic
def attachment_remove(*, attachment: ArticleAttachment, actor: User) -> None:
    """Delete the file and its row (Markdown that still names it shows a broken link, as on any wiki)."""
    article = attachment.article
    if not can_edit_text(actor, article):
        raise PermissionDenied("Only the article's writers remove its files.")
    name, pk = attachment.filename, attachment.pk
    stored, storage = attachment.file.name or "", attachment.file.storage
    attachment.delete()
    # The file goes only once the row's deletion is committed: a rollback must not leave a row without a file.
    transaction.on_commit(lambda: storage.delete(stored))
    audit_record(target=article, verb="knowledge.attachment.removed", actor=actor, filename=name, id=pk)
