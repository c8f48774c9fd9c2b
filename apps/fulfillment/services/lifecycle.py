"""Every write to a service request: validate, write, record the audit event, notify after commit."""

from __future__ import annotations

import datetime as dt
import mimetypes
import os
import unicodedata
from collections.abc import Mapping
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousFileOperation, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import Truncator, get_valid_filename

from apps.catalog.formdefs import clean_answers
from apps.core.models import AuditEvent
from apps.core.services import audit_record
from apps.fulfillment import tasks
from apps.fulfillment.choices import TERMINAL_STATUSES, TRANSITIONS, Priority, RequestStatus
from apps.fulfillment.exceptions import InvalidAnswers, InvalidTransition, StaleRequest
from apps.fulfillment.models import Attachment, Comment, ServiceRequest
from apps.fulfillment.permissions import can_comment, can_edit_request, can_remove_watcher, can_transition, can_work
from apps.fulfillment.services import automation, sla

S = RequestStatus
COMMENT_MAX_CHARS = 20_000


# --- Creation ----------------------------------------------------------------------------------------


def _subject(item: Any, definition: Mapping[str, Any], answers: Mapping[str, Any]) -> str:
    """The item's name plus the first text answer, so lists say what was asked for."""
    for field in definition.get("fields", []):
        value = answers.get(field.get("name"))
        if field.get("type") in ("text", "long_text") and isinstance(value, str) and value.strip():
            return Truncator(f"{item.name}: {' '.join(value.split())}").chars(200)
    return Truncator(item.name).chars(200)


def _check_requested_for(requester: Any, requested_for: Any) -> Any:
    if requested_for is None or requested_for.pk == requester.pk:
        return None
    if not requested_for.is_active or requested_for.is_service_account:
        raise ValidationError({"requested_for": "Requests can only be filed for active people."})
    return requested_for


@transaction.atomic
def request_create(
    *,
    item: Any,
    requester: Any,
    answers: Mapping[str, Any],
    requested_for: Any = None,
    priority: str = Priority.NORMAL,
    actor: Any = None,
) -> ServiceRequest:
    """File a request against ``item``'s current form; goes to awaiting approval when the item needs it.

    Raises InvalidAnswers (keyed by form field) or ValidationError (item, priority, requested_for).
    """
    form_version = item.current_form
    if form_version is None:
        raise ValidationError({"item": "This item has no published form yet and cannot be requested."})
    if priority not in Priority.values:
        raise ValidationError({"priority": f"Choose one of: {', '.join(Priority.values)}."})
    requested_for = _check_requested_for(requester, requested_for)
    try:
        cleaned = clean_answers(form_version.definition, answers)
    except ValidationError as exc:
        raise InvalidAnswers(exc.error_dict if hasattr(exc, "error_dict") else {"__all__": exc.error_list}) from exc
    sr = ServiceRequest.objects.create(
        requester=requester,
        requested_for=requested_for,
        item=item,
        form_version=form_version,
        answers=cleaned,
        subject=_subject(item, form_version.definition, cleaned),
        priority=priority,
        team=item.fulfilling_team,
    )
    event = audit_record(
        target=sr,
        verb="created",
        actor=actor or requester,
        item=item.slug,
        form_version=form_version.number,
        requested_for=getattr(requested_for, "username", None),
    )
    _notify_status(event)
    sla.request_sla_refresh(request=sr)
    if item.needs_approval:
        sr = _move(sr, to=S.AWAITING_APPROVAL, actor=None, comment="")
    else:
        automation.request_automation_queue(request=sr)
    return sr


# --- Lifecycle ---------------------------------------------------------------------------------------


def _check_version(sr: ServiceRequest, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != sr.version:
        raise StaleRequest(sr.number)


def _cas_update(sr: ServiceRequest, **fields: Any) -> None:
    """Write ``fields`` only while the row still has the status and version read into ``sr``; bump version."""
    moved = ServiceRequest.objects.filter(pk=sr.pk, status=sr.status, version=sr.version).update(
        version=F("version") + 1, updated_at=timezone.now(), **fields
    )
    if moved != 1:
        raise StaleRequest(sr.number)
    sr.refresh_from_db()


def _move(sr: ServiceRequest, *, to: str, actor: Any, comment: str) -> ServiceRequest:
    old, now = sr.status, timezone.now()
    fields: dict[str, Any] = {"status": to}
    if to == S.FULFILLED:
        fields["fulfilled_at"] = now
    elif old == S.FULFILLED and to == S.IN_PROGRESS:
        fields["fulfilled_at"] = None  # reopened: the auto-close clock starts again at the next fulfilment
    if to in TERMINAL_STATUSES:
        fields["closed_at"] = now
    _cas_update(sr, **fields)
    event = audit_record(target=sr, verb="status_changed", actor=actor, comment=comment, **{"from": old, "to": to})
    _notify_status(event)
    sla.request_sla_refresh(request=sr)
    if to == S.APPROVED:
        automation.request_automation_queue(request=sr)
    return sr


@transaction.atomic
def request_transition(
    *, request: ServiceRequest, to: str, actor: Any, expected_version: int | None = None, comment: str = ""
) -> ServiceRequest:
    """Move ``request`` to ``to`` if the lifecycle allows it and ``actor`` may; ``actor`` None is the system.

    Raises StaleRequest when ``expected_version`` (or the row) moved on, InvalidTransition for a move
    choices.TRANSITIONS does not have, PermissionDenied when ``actor`` may not make it.
    """
    _check_version(request, expected_version)
    if to not in TRANSITIONS.get(request.status, frozenset()):
        raise InvalidTransition(request.status, to)
    if actor is not None and not can_transition(actor, request, to):
        raise PermissionDenied(f"You may not move this request to “{S(to).label}”.")
    return _move(request, to=to, actor=actor, comment=comment.strip())


def request_close_fulfilled(*, now: dt.datetime | None = None) -> int:
    """Close requests fulfilled more than STEWARD_AUTO_CLOSE_DAYS ago; safe to run twice at once."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.STEWARD_AUTO_CLOSE_DAYS)
    due = ServiceRequest.objects.filter(status=S.FULFILLED, fulfilled_at__lt=cutoff)
    closed = 0
    for pk in due.values_list("pk", flat=True).iterator(chunk_size=500):
        with transaction.atomic():
            # Conditional update: a concurrent reopen or a second run simply matches nothing.
            moved = due.filter(pk=pk).update(status=S.CLOSED, closed_at=now, updated_at=now, version=F("version") + 1)
            if moved:
                sr = ServiceRequest(pk=pk)
                comment = f"Closed automatically {settings.STEWARD_AUTO_CLOSE_DAYS} days after fulfilment."
                event = audit_record(
                    target=sr,
                    verb="status_changed",
                    actor=None,
                    comment=comment,
                    **{"from": S.FULFILLED, "to": S.CLOSED},
                )
                _notify_status(event)
                closed += 1
    return closed


@transaction.atomic
def request_update_priority(
    *, request: ServiceRequest, priority: str, actor: Any, expected_version: int | None = None
) -> ServiceRequest:
    """Change the priority (the fulfilling team's agents)."""
    _check_version(request, expected_version)
    if not can_work(actor, request):
        raise PermissionDenied("Only the fulfilling team can change the priority.")
    if priority not in Priority.values:
        raise ValidationError({"priority": f"Choose one of: {', '.join(Priority.values)}."})
    old = request.priority
    if old == priority:
        return request
    _cas_update(request, priority=priority)
    audit_record(target=request, verb="priority_changed", actor=actor, **{"from": old, "to": priority})
    return request


@transaction.atomic
def request_assign(
    *, request: ServiceRequest, assignee: Any, actor: Any, expected_version: int | None = None
) -> ServiceRequest:
    """Assign to a member of the fulfilling team, or unassign with ``assignee`` None (agents)."""
    _check_version(request, expected_version)
    if not can_work(actor, request):
        raise PermissionDenied("Only the fulfilling team can assign this request.")
    if assignee is not None and (
        not assignee.is_active or not assignee.memberships.filter(team_id=request.team_id).exists()
    ):
        raise ValidationError({"assignee": f"{assignee.username} is not an active member of {request.team}."})
    old = request.assignee.username if request.assignee else None
    if request.assignee_id == getattr(assignee, "pk", None):
        return request
    _cas_update(request, assignee=assignee)
    audit_record(
        target=request, verb="assigned", actor=actor, **{"from": old, "to": getattr(assignee, "username", None)}
    )
    return request


UNSET: Any = object()


@transaction.atomic
def request_update(
    *,
    request: ServiceRequest,
    actor: Any,
    expected_version: int | None = None,
    priority: str | None = None,
    assignee: Any = UNSET,
) -> ServiceRequest:
    """Change priority and/or assignee in one go (the fulfilling team); all or nothing."""
    _check_version(request, expected_version)
    if not can_work(actor, request):
        raise PermissionDenied("Only the fulfilling team can change priority and assignee.")
    if priority is not None:
        request_update_priority(request=request, priority=priority, actor=actor)
    if assignee is not UNSET:
        request_assign(request=request, assignee=assignee, actor=actor)
    return request


# --- Comments, watchers, attachments -------------------------------------------------------------------


@transaction.atomic
def comment_add(
    *, request: ServiceRequest, author: Any, body: str, is_internal: bool = False, expected_version: int | None = None
) -> Comment:
    """Add a public comment (everyone who sees the request) or an internal note (the team's agents)."""
    body = body.strip()
    if not body:
        raise ValidationError({"body": "Write a comment first."})
    if len(body) > COMMENT_MAX_CHARS or "\x00" in body:
        raise ValidationError({"body": f"A comment holds at most {COMMENT_MAX_CHARS} characters of text."})
    if (
        expected_version is not None
        and not ServiceRequest.objects.filter(pk=request.pk, version=expected_version).exists()
    ):
        raise StaleRequest(request.number)
    if not can_comment(author, request, internal=is_internal):
        raise PermissionDenied("Only the fulfilling team can write internal notes.")
    comment = Comment.objects.create(request=request, author=author, body=body, is_internal=is_internal)
    audit_record(target=request, verb="commented", actor=author, comment_id=comment.pk, internal=is_internal)
    if not is_internal:
        _notify_later(tasks.fulfillment_send_comment_email, comment_id=comment.pk)
    sla.request_sla_on_comment(request=request, comment=comment)
    return comment


@transaction.atomic
def watcher_add(*, request: ServiceRequest, watcher: Any, actor: Any) -> None:
    """Let a colleague follow the request (requester, requested for, the team's agents may add)."""
    if not can_edit_request(actor, request):
        raise PermissionDenied("Only the requester and the fulfilling team can add watchers.")
    if not watcher.is_active or watcher.is_service_account:
        raise ValidationError({"username": "Only active people can watch a request."})
    if watcher.pk in (request.requester_id, request.requested_for_id):
        raise ValidationError({"username": f"{watcher.username} already follows this request."})
    if request.watchers.filter(pk=watcher.pk).exists():
        return
    request.watchers.add(watcher)
    audit_record(target=request, verb="watcher_added", actor=actor, username=watcher.username)


@transaction.atomic
def watcher_remove(*, request: ServiceRequest, watcher: Any, actor: Any) -> None:
    """Stop ``watcher`` following; a watcher may always remove themself."""
    if not can_remove_watcher(actor, request, watcher):
        raise PermissionDenied("You may only remove yourself from the watchers.")
    if request.watchers.filter(pk=watcher.pk).exists():
        request.watchers.remove(watcher)
        audit_record(target=request, verb="watcher_removed", actor=actor, username=watcher.username)


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


def _attachment_type(upload: UploadedFile, filename: str) -> str:
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


@transaction.atomic
def attachment_add(*, request: ServiceRequest, upload: UploadedFile, actor: Any) -> Attachment:
    """Store an uploaded file on the request after checking its size and type."""
    if not can_edit_request(actor, request):
        raise PermissionDenied("Only the requester and the fulfilling team can attach files.")
    filename = sanitize_filename(upload.name or "attachment")
    content_type = _attachment_type(upload, filename)
    attachment = Attachment(
        request=request, filename=filename, content_type=content_type, size=upload.size or 0, uploaded_by=actor
    )
    attachment.file.save(filename, upload, save=False)
    attachment.save()
    audit_record(target=request, verb="attachment_added", actor=actor, filename=filename, attachment_id=attachment.pk)
    return attachment


# --- Notifications (run in the worker) -------------------------------------------------------------------


def _notify_later(task: Any, **ids: int) -> None:
    """Queue a notification task once the transaction commits (never for a rolled-back write)."""
    # seed_demo turns this off: a history of hundreds of requests must not email everyone at first start.
    if settings.STEWARD_SEND_NOTIFICATIONS:
        transaction.on_commit(partial(task.delay, **ids))


def _notify_status(event: AuditEvent) -> None:
    _notify_later(tasks.fulfillment_send_status_email, event_id=event.pk)


def _recipients(sr: ServiceRequest, *, exclude_id: int | None) -> list[Any]:
    people = [sr.requester, sr.requested_for, *sr.watchers.all()]
    seen: dict[int, Any] = {}
    for person in people:
        if person is not None and person.pk != exclude_id and person.is_active and person.email:
            seen.setdefault(person.pk, person)
    return list(seen.values())


def _send(sr: ServiceRequest, *, exclude_id: int | None, subject: str, template: str, context: dict[str, Any]) -> int:
    recipients = _recipients(sr, exclude_id=exclude_id)
    url = settings.SITE_URL.rstrip("/") + sr.get_absolute_url()
    body = render_to_string(template, {**context, "sr": sr, "url": url})
    # One message per person: recipients never see each other's addresses.
    messages = [EmailMessage(subject=subject, body=body, to=[person.email]) for person in recipients]
    if not messages:
        return 0
    return get_connection().send_messages(messages) or 0


def request_send_status_email(*, event_id: int) -> int:
    """Email the requester, requested-for and watchers about one status event; 0 if it is gone."""
    event = AuditEvent.objects.select_related("actor").filter(pk=event_id).first()
    if event is None or event.target_type != ServiceRequest._meta.label_lower:
        return 0
    sr = ServiceRequest.objects.select_related("requester", "requested_for", "item").filter(pk=event.target_id).first()
    if sr is None:
        return 0
    if event.verb == "created":
        subject = f"[{sr.number}] New request: {sr.subject}"
    else:
        subject = f"[{sr.number}] {S(event.data['to']).label}: {sr.subject}"
    context = {"event": event, "from": _label(event.data.get("from")), "to": _label(event.data.get("to"))}
    return _send(
        sr, exclude_id=event.actor_id, subject=subject, template="fulfillment/email/status.txt", context=context
    )


def request_send_comment_email(*, comment_id: int) -> int:
    """Email the requester, requested-for and watchers about one public comment; 0 if gone or internal."""
    comment = (
        Comment.objects.select_related("author", "request__requester", "request__requested_for")
        .filter(pk=comment_id)
        .first()
    )
    if comment is None or comment.is_internal:
        return 0
    sr = comment.request
    subject = f"[{sr.number}] New comment: {sr.subject}"
    return _send(
        sr,
        exclude_id=comment.author_id,
        subject=subject,
        template="fulfillment/email/comment.txt",
        context={"comment": comment},
    )


def _label(status: Any) -> str:
    return str(S(status).label) if status in S.values else ""
