"""Files and images of articles: the checks request attachments pass (apps.core.uploads), who may upload,
download and delete, and how they are served."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.core.models import AuditEvent
from apps.knowledge.models import ArticleAttachment
from apps.knowledge.services import article_data_of, article_update, attachment_add

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def png(name="diagram.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.mark.parametrize(
    ("name", "content", "declared"),
    [
        ("evil.html", b"<script>", "text/html"),  # type not allowed
        ("evil.svg", b"<svg onload=alert(1)>", "image/svg+xml"),  # SVG can carry scripts: not allowed
        ("evil.png", b"<script>", "image/png"),  # content is not a PNG
        ("photo.png", PNG, "text/plain"),  # declared type disagrees with the extension
        ("notes.txt", b"bin\x00ary", "text/plain"),  # binary disguised as text
        ("empty.txt", b"", "text/plain"),
    ],
)
def test_article_files_pass_the_request_attachment_checks(make_article, agent, name, content, declared):
    article = make_article()
    with pytest.raises(ValidationError):
        attachment_add(article=article, upload=SimpleUploadedFile(name, content, content_type=declared), actor=agent)
    assert not ArticleAttachment.objects.exists()


def test_size_limit_is_the_request_attachment_setting(make_article, agent, settings):
    settings.STEWARD_ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="larger"):
        upload = SimpleUploadedFile("a.txt", b"x" * 11, content_type="text/plain")
        attachment_add(article=make_article(), upload=upload, actor=agent)


def test_readers_may_not_add_files(make_article, owner):
    with pytest.raises(PermissionDenied):
        attachment_add(article=make_article(), upload=png(), actor=owner)


def test_writer_uploads_an_image_the_body_can_show(client_for, agent, owner, make_article, no_review):
    article = make_article()
    response = client_for(agent).post(
        reverse("knowledge:attachment-create", args=[article.slug]), {"file": png("../../etc/diagram.png")}
    )
    assert response.status_code == 302
    attachment = ArticleAttachment.objects.get()
    assert attachment.filename == "diagram.png" and attachment.content_type == "image/png"
    assert AuditEvent.objects.filter(verb="knowledge.attachment.added", actor=agent).exists()
    data = article_data_of(article)
    data.body_md = f"![Diagram]({attachment.get_absolute_url()})"
    article = article_update(article=article, actor=agent, data=data, message="image", version=article.version)
    assert f'<img src="{attachment.get_absolute_url()}" alt="Diagram"' in article.body_html
    served = client_for(owner).get(attachment.get_absolute_url())
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff" and "sandbox" in served["Content-Security-Policy"]
    assert "attachment" not in served.get("Content-Disposition", "")  # inline, so <img> shows it


def test_other_files_are_always_downloads(client_for, agent, owner, make_article):
    article = make_article()
    attachment = attachment_add(
        article=article, upload=SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain"), actor=agent
    )
    served = client_for(owner).get(attachment.get_absolute_url())
    assert served["Content-Disposition"].startswith("attachment")


def test_bad_upload_answers_the_field_error(client_for, agent, make_article):
    article = make_article()
    url = reverse("knowledge:attachment-create", args=[article.slug])
    bad = SimpleUploadedFile("evil.png", b"<script>", content_type="image/png")
    response = client_for(agent).post(url, {"file": bad}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200  # htmx swaps it in place
    assert body.lstrip().startswith('<section id="article-attachments"')
    assert "does not match its type" in body
    response = client_for(agent).post(url, {})
    assert response.status_code == 400 and "This field is required" in response.content.decode()


def test_files_of_a_hidden_article_answer_404(client_for, agent, outsider, make_article):
    draft = make_article(publish=False)
    attachment = attachment_add(article=draft, upload=png(), actor=agent)
    client = client_for(outsider)
    assert client.get(attachment.get_absolute_url()).status_code == 404
    assert client.post(reverse("knowledge:attachment-create", args=[draft.slug]), {"file": png()}).status_code == 404


def test_readers_get_403_on_upload_and_delete(client_for, agent, owner, make_article):
    article = make_article()
    attachment = attachment_add(article=article, upload=png(), actor=agent)
    client = client_for(owner)
    assert client.post(reverse("knowledge:attachment-create", args=[article.slug]), {"file": png()}).status_code == 403
    delete = reverse("knowledge:attachment-delete", args=[article.slug, attachment.pk])
    assert client.post(delete).status_code == 403
    assert ArticleAttachment.objects.count() == 1


def test_writer_deletes_a_file_and_it_leaves_storage(
    client_for, agent, make_article, django_capture_on_commit_callbacks
):
    article = make_article()
    attachment = attachment_add(article=article, upload=png(), actor=agent)
    storage, name = attachment.file.storage, attachment.file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(agent).post(reverse("knowledge:attachment-delete", args=[article.slug, attachment.pk]))
    assert response.status_code == 302
    assert not ArticleAttachment.objects.exists() and not storage.exists(name)
    assert AuditEvent.objects.filter(verb="knowledge.attachment.removed").exists()
