"""Every write to a service request: validate, write, record the audit event, notify after commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import Truncator

from apps.accounts.display import display_name
from apps.accounts.models import User
from apps.catalog.formdefs import clean_answers
from apps.catalog.models import CatalogItem
from apps.core.models import AuditEvent
from apps.core.services import audit_record
from apps.core.uploads import sanitize_filename as sanitize_filename  # re-exported by apps.fulfillment.services
from apps.core.uploads import upload_type
from apps.fulfillment.choices import TRANSITIONS, Priority, RequestStatus
from apps.fulfillment.exceptions import InvalidAnswers, StaleRequest
from apps.fulfillment.models import Attachment, Comment, ServiceRequest
from apps.fulfillment.permissions import can_comment, can_edit_request, can_remove_watcher, can_transition, can_work
from apps.fulfillment.services import automation, sla
from apps.fulfillment.services.notifications import notify_comment, notify_status
from apps.fulfillment.services.transitions import cas_update, check_version, request_move, status_write

S = RequestStatus
COMMENT_MAX_CHARS = 20_000


# --- Creation ----------------------------------------------------------------------------------------


def _subject(item: CatalogItem, definition: Mapping[str, Any], answers: Mapping[str, Any]) -> str:
    """The item's name plus the first text answer, so lists say what was asked for."""
    for field in definition.get("fields", []):
        value = answers.get(field.get("name"))
        if field.get("type") in ("text", "long_text") and isinstance(value, str) and value.strip():
            return Truncator(f"{item.name}: {' '.join(value.split())}").chars(200)
    return Truncator(item.name).chars(200)


def _check_requested_for(requester: User, requested_for: User | None) -> User | None:
    if requested_for is None or requested_for.pk == requester.pk:
        return None
    if not requested_for.is_active or requested_for.is_service_account:
        raise ValidationError({"requested_for": "Requests can only be filed for active people."})
    return requested_for


@transaction.atomic
def request_create(
    *,
    item: CatalogItem,
    requester: User,
    answers: Mapping[str, Any],
    requested_for: User | None = None,
    priority: str = Priority.NORMAL,
    actor: User | None = None,
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
    notify_status(event, sr)
    sla.request_sla_refresh(request=sr)
    if item.needs_approval:
        sr = status_write(sr, to=S.AWAITING_APPROVAL, actor=None, comment="")
    else:
        automation.request_automation_queue(request=sr)
    return sr


# --- Lifecycle ---------------------------------------------------------------------------------------


REJECTION_NEEDS_REASON = "Give the reason for the rejection: the requester reads it."


def rejection_reason_check(comment: str) -> None:
    """A rejection says why (the requester sees it in the timeline and the email); ValidationError otherwise."""
    if not comment.strip():
        raise ValidationError({"comment": REJECTION_NEEDS_REASON})


@transaction.atomic
def request_transition(
    *, request: ServiceRequest, to: str, actor: User | None, expected_version: int | None = None, comment: str = ""
) -> ServiceRequest:
    """Move ``request`` to ``to`` if the lifecycle allows it and ``actor`` may; ``actor`` None is the system.

    Raises StaleRequest when ``expected_version`` (or the row) moved on, InvalidTransition for a move
    choices.TRANSITIONS does not have, PermissionDenied when ``actor`` may not make it, ValidationError
    (``comment``) for a rejection without a reason. An approved request
    whose item is automated goes on to automation at once.
    """
    # Asked only of a move that is otherwise allowed: a refused move says why it is refused, not "give a reason".
    if (
        to == S.REJECTED
        and to in TRANSITIONS.get(request.status, ())
        and (actor is None or can_transition(actor, request, to))
    ):
        rejection_reason_check(comment)
    sr = request_move(request=request, to=to, actor=actor, expected_version=expected_version, comment=comment)
    if to == S.APPROVED:
        automation.request_automation_queue(request=sr)
    return sr


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
                notify_status(event)
                closed += 1
    return closed


@transaction.atomic
def request_update_priority(
    *, request: ServiceRequest, priority: str, actor: User, expected_version: int | None = None
) -> ServiceRequest:
    """Change the priority (the fulfilling team's agents)."""
    check_version(request, expected_version)
    if not can_work(actor, request):
        raise PermissionDenied("Only the fulfilling team can change the priority.")
    if priority not in Priority.values:
        raise ValidationError({"priority": f"Choose one of: {', '.join(Priority.values)}."})
    old = request.priority
    if old == priority:
        return request
    cas_update(request, priority=priority)
    audit_record(target=request, verb="priority_changed", actor=actor, **{"from": old, "to": priority})
    return request


@transaction.atomic
def request_assign(
    *, request: ServiceRequest, assignee: User | None, actor: User, expected_version: int | None = None
) -> ServiceRequest:
    """Assign to a member of the fulfilling team, or unassign with ``assignee`` None (agents)."""
    check_version(request, expected_version)
    if not can_work(actor, request):
        raise PermissionDenied("Only the fulfilling team can assign this request.")
    if assignee is not None and (
        not assignee.is_active or not assignee.memberships.filter(team_id=request.team_id).exists()
    ):
        raise ValidationError({"assignee": f"{assignee.username} is not an active member of {request.team}."})
    old = request.assignee.username if request.assignee else None
    if request.assignee_id == getattr(assignee, "pk", None):
        return request
    cas_update(request, assignee=assignee)
    audit_record(
        target=request,
        verb="assigned",
        actor=actor,
        # to_name: the timeline shows the display name (selectors.requests.describe_event), "to" stays the key.
        **{"from": old, "to": getattr(assignee, "username", None), "to_name": display_name(assignee)},
    )
    return request


class _Unset:
    """The type of UNSET: request_update's "leave the assignee as it is", distinct from None (unassign)."""


UNSET = _Unset()


@transaction.atomic
def request_update(
    *,
    request: ServiceRequest,
    actor: User,
    expected_version: int | None = None,
    priority: str | None = None,
    assignee: User | None | _Unset = UNSET,
) -> ServiceRequest:
    """Change priority and/or assignee in one go (the fulfilling team); all or nothing.

    With ``expected_version`` (the API's If-Match, the HTML form's version) a request that moved on raises
    StaleRequest. Without it the last write wins per field: the row is re-read under a lock, so two callers
    changing different fields both succeed, each writing only the field it changes (never a spurious 409).
    """
    if expected_version is None:
        # Concurrent writers queue on the row lock (PostgreSQL; SQLite's IMMEDIATE transactions serialise
        # anyway) and then see the other's write, so the compare-and-set in _cas_update below cannot miss.
        request.refresh_from_db(from_queryset=ServiceRequest.objects.select_for_update())
    check_version(request, expected_version)
    if not can_work(actor, request):
        raise PermissionDenied("Only the fulfilling team can change priority and assignee.")
    if priority is not None:
        request_update_priority(request=request, priority=priority, actor=actor)
    if not isinstance(assignee, _Unset):
        request_assign(request=request, assignee=assignee, actor=actor)
    return request


# --- Comments, watchers, attachments -------------------------------------------------------------------


@transaction.atomic
def comment_add(
    *, request: ServiceRequest, author: User, body: str, is_internal: bool = False, expected_version: int | None = None
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
    notify_comment(comment)
    sla.request_sla_on_comment(request=request, comment=comment)
    return comment


@transaction.atomic
def watcher_add(*, request: ServiceRequest, watcher: User, actor: User) -> None:
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
    audit_record(
        target=request, verb="watcher_added", actor=actor, username=watcher.username, name=display_name(watcher)
    )


@transaction.atomic
def watcher_remove(*, request: ServiceRequest, watcher: User, actor: User) -> None:
    """Stop ``watcher`` following; a watcher may always remove themself."""
    if not can_remove_watcher(actor, request, watcher):
        raise PermissionDenied("You may only remove yourself from the watchers.")
    if request.watchers.filter(pk=watcher.pk).exists():
        request.watchers.remove(watcher)
        audit_record(
            target=request, verb="watcher_removed", actor=actor, username=watcher.username, name=display_name(watcher)
        )


FILING_MAX_FILES = 5


@transaction.atomic
def request_file(
    *,
    item: CatalogItem,
    requester: User,
    answers: Mapping[str, Any],
    requested_for: User | None = None,
    priority: str = Priority.NORMAL,
    description: str = "",
    uploads: Sequence[UploadedFile[bytes]] = (),
) -> ServiceRequest:
    """File a request as the filing page does: request_create, then a free-text description (the request's
    first comment) and attachments, all or nothing. Every file is checked before anything is written;
    ValidationError keyed ``attachments`` or ``description``, or request_create's errors."""
    if len(uploads) > FILING_MAX_FILES:
        raise ValidationError(
            {"attachments": f"Attach at most {FILING_MAX_FILES} files here; add more on the request."}
        )
    for upload in uploads:
        try:
            upload_type(upload, sanitize_filename(upload.name or "attachment"))
        except ValidationError as exc:
            raise ValidationError({"attachments": [f"{upload.name}: {m}" for m in exc.messages]}) from exc
    if len(description) > COMMENT_MAX_CHARS:
        raise ValidationError({"description": f"At most {COMMENT_MAX_CHARS:,} characters."})
    sr = request_create(item=item, requester=requester, answers=answers, requested_for=requested_for, priority=priority)
    if description.strip():
        comment_add(request=sr, author=requester, body=description)
    for upload in uploads:
        attachment_add(request=sr, upload=upload, actor=requester)
    return sr


@transaction.atomic
def attachment_add(*, request: ServiceRequest, upload: UploadedFile[bytes], actor: User) -> Attachment:
    """Store an uploaded file on the request after checking its size and type."""
    if not can_edit_request(actor, request):
        raise PermissionDenied("Only the requester and the fulfilling team can attach files.")
    filename = sanitize_filename(upload.name or "attachment")
    content_type = upload_type(upload, filename)
    attachment = Attachment(
        request=request, filename=filename, content_type=content_type, size=upload.size or 0, uploaded_by=actor
    )
    attachment.file.save(filename, upload, save=False)
    attachment.save()
    audit_record(target=request, verb="attachment_added", actor=actor, filename=filename, attachment_id=attachment.pk)
    return attachment


# --- Notifications (queued in the event's transaction; apps.core's outbox sends them) ---------------------


@transaction.atomic
def request_queue_status_email(*, event_id: int) -> int:
    """Queue the status email of a recorded event (again): how many rows are pending; 0 if the event is gone.

    For messages of the tasks that sent mail before the outbox existed; the outbox's key makes it harmless
    for an event already queued.
    """
    event = AuditEvent.objects.select_related("actor").filter(pk=event_id).first()
    return len(notify_status(event)) if event is not None else 0


@transaction.atomic
def request_queue_comment_email(*, comment_id: int) -> int:
    """Queue the email of a public comment (again), as request_queue_status_email does for status events."""
    comment = (
        Comment.objects.select_related("author", "request__requester", "request__requested_for")
        .filter(pk=comment_id)
        .first()
    )
    return len(notify_comment(comment)) if comment is not None else 0
