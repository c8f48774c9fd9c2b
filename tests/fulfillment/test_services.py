"""Filing, comments, watchers, attachments, notifications and auto-close."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.core.models import Notification
from apps.core.selectors import audit_events_for
from apps.core.tasks import core_send_notification
from apps.fulfillment import services, tasks
from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.exceptions import InvalidAnswers, StaleRequest
from apps.fulfillment.models import ServiceRequest
from apps.fulfillment.selectors import request_timeline
from tests.factories import CatalogItemFactory, UserFactory
from tests.fulfillment.factories import CommentFactory
from tests.outbox import deliver_outbox, queued

S = RequestStatus
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def published(mocker):
    """The send task's publish, checked instead of made: which outbox rows went to the workers."""
    return mocker.patch.object(core_send_notification, "apply_async")


def published_ids(published):
    return [call.args[0][0] for call in published.call_args_list]


# --- request_create ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_files_a_numbered_request_with_clean_answers(
    owner, teammate, item, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sr = services.request_create(
            item=item, requester=owner, answers={"reason": "  Build   logs "}, requested_for=teammate, priority="high"
        )

    assert sr.number == f"SR-{sr.pk:06d}"
    assert (sr.status, sr.team, sr.form_version, sr.priority) == (
        S.NEW,
        item.fulfilling_team,
        item.current_form,
        "high",
    )
    assert sr.subject.startswith("Access request: ")
    assert sr.requested_for == teammate
    assert owner not in sr.watchers.all()
    event = audit_events_for(sr).get()
    assert (event.verb, event.actor) == ("created", owner)
    # The filer is not told about their own act; the person it is for is.
    assert queued() == [(f"fulfillment.status:{event.pk}", "teammate@example.com")]
    assert published_ids(published) == list(Notification.objects.values_list("pk", flat=True))


@pytest.mark.django_db
def test_create_moves_items_needing_approval_to_awaiting_approval(
    owner, manager_item, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sr = services.request_create(item=manager_item, requester=owner, answers={"reason": "new laptop"})
    assert (sr.status, sr.version) == (S.AWAITING_APPROVAL, 2)
    created, moved = audit_events_for(sr)
    assert [created.verb, moved.verb] == ["created", "status_changed"]
    # The system's move is news to the filer; their own filing is not.
    assert queued() == [(f"fulfillment.status:{moved.pk}", "owner@example.com")]
    assert len(published_ids(published)) == 1


@pytest.mark.django_db
def test_mail_is_queued_in_the_transaction_and_published_only_after_commit(
    owner, teammate, item, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.request_create(item=item, requester=owner, answers={"reason": "x"}, requested_for=teammate)
        assert queued() != []  # written with the event
    published.assert_not_called()
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_a_rolled_back_event_queues_no_mail(owner, teammate, item):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        services.request_create(item=item, requester=owner, answers={"reason": "x"}, requested_for=teammate)
        raise RuntimeError("the caller's next write failed")
    assert queued() == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("answers", "field"),
    [({}, "reason"), ({"reason": 12}, "reason"), ({"reason": "ok", "extra": 1}, "extra")],
)
def test_create_refuses_bad_answers_by_field(owner, item, answers, field):
    with pytest.raises(InvalidAnswers) as exc:
        services.request_create(item=item, requester=owner, answers=answers)
    assert field in exc.value.message_dict
    assert not ServiceRequest.objects.exists()


@pytest.mark.django_db
def test_create_refuses_bad_priority_and_inactive_requested_for(owner, item):
    with pytest.raises(ValidationError, match="priority"):
        services.request_create(item=item, requester=owner, answers={"reason": "x"}, priority="asap")
    gone = UserFactory(username="gone", is_active=False)
    with pytest.raises(ValidationError) as exc:
        services.request_create(item=item, requester=owner, answers={"reason": "x"}, requested_for=gone)
    assert "requested_for" in exc.value.message_dict


@pytest.mark.django_db
def test_requested_for_oneself_is_no_one(owner, item):
    sr = services.request_create(item=item, requester=owner, answers={"reason": "x"}, requested_for=owner)
    assert sr.requested_for is None


@pytest.mark.django_db
def test_a_request_keeps_the_form_version_it_was_filed_with(owner, item):
    from apps.catalog.services import item_publish_form

    sr = services.request_create(item=item, requester=owner, answers={"reason": "x"})
    item_publish_form(
        item=item, definition={"fields": [{"name": "why", "label": "Why", "type": "long_text"}]}, actor=None
    )
    sr.refresh_from_db()
    assert sr.form_version.definition["fields"][0]["name"] == "reason"


# --- comments ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_public_comment_is_audited_and_notified_after_commit(
    sr, owner, agent, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.comment_add(request=sr, author=agent, body=" Any news? ")
    assert comment.body == "Any news?"
    assert audit_events_for(sr).get().verb == "commented"
    assert queued() == [(f"fulfillment.comment:{comment.pk}", "owner@example.com")]
    assert len(published_ids(published)) == 1


@pytest.mark.django_db
def test_internal_notes_are_for_the_team_only_and_never_mailed(
    sr, owner, agent, published, django_capture_on_commit_callbacks
):
    with pytest.raises(PermissionDenied):
        services.comment_add(request=sr, author=owner, body="psst", is_internal=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(request=sr, author=agent, body="check the AD group", is_internal=True)
    published.assert_not_called()
    assert queued() == []
    assert [e.comment.body for e in request_timeline(sr, include_internal=True) if e.comment] == ["check the AD group"]
    assert [e for e in request_timeline(sr, include_internal=False) if e.comment] == []


@pytest.mark.django_db
def test_requester_may_comment_while_on_hold(make_sr, owner):
    sr = make_sr(status=S.ON_HOLD)
    services.comment_add(request=sr, author=owner, body="Here is the info")
    assert sr.comments.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["", "   ", "a\x00b", "x" * 20_001])
def test_bad_comment_bodies_are_refused(sr, owner, body):
    with pytest.raises(ValidationError):
        services.comment_add(request=sr, author=owner, body=body)


@pytest.mark.django_db
def test_comment_with_stale_version_is_refused(sr, owner):
    with pytest.raises(StaleRequest):
        services.comment_add(request=sr, author=owner, body="hi", expected_version=2)
    assert not sr.comments.exists()


# --- watchers ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_requester_adds_a_colleague_who_may_remove_themself(sr, owner, teammate):
    services.watcher_add(request=sr, watcher=teammate, actor=owner)
    services.watcher_add(request=sr, watcher=teammate, actor=owner)  # idempotent
    assert list(sr.watchers.all()) == [teammate]
    assert ServiceRequest.objects.visible_to(teammate).filter(pk=sr.pk).exists()
    services.watcher_remove(request=sr, watcher=teammate, actor=teammate)
    assert not sr.watchers.exists()
    assert [e.verb for e in audit_events_for(sr)] == ["watcher_added", "watcher_removed"]


@pytest.mark.django_db
def test_watchers_cannot_add_or_remove_others(sr, owner, teammate, outsider):
    services.watcher_add(request=sr, watcher=teammate, actor=owner)
    with pytest.raises(PermissionDenied):
        services.watcher_add(request=sr, watcher=outsider, actor=teammate)
    services.watcher_add(request=sr, watcher=outsider, actor=owner)
    with pytest.raises(PermissionDenied):
        services.watcher_remove(request=sr, watcher=outsider, actor=teammate)


@pytest.mark.django_db
def test_the_requester_is_not_a_watcher(sr, owner, agent):
    with pytest.raises(ValidationError):
        services.watcher_add(request=sr, watcher=owner, actor=agent)


# --- attachments ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_attachment_is_stored_with_a_sanitised_name(sr, owner):
    upload = SimpleUploadedFile("../../etc/my report\x07.png", PNG, content_type="image/png")
    attachment = services.attachment_add(request=sr, upload=upload, actor=owner)
    assert attachment.filename == "my_report.png"
    assert attachment.file.name.startswith(f"attachments/{sr.pk}/")
    assert (attachment.size, attachment.content_type) == (len(PNG), "image/png")
    assert audit_events_for(sr).get().data["filename"] == "my_report.png"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "declared"),
    [
        ("evil.html", b"<script>", "text/html"),  # type not allowed
        ("evil.png", b"<script>", "image/png"),  # content is not a PNG
        ("photo.png", PNG, "text/plain"),  # declared type disagrees with the extension
        ("notes.txt", b"bin\x00ary", "text/plain"),  # binary disguised as text
        ("script.exe", b"MZ", "application/octet-stream"),
        ("empty.txt", b"", "text/plain"),
    ],
)
def test_attachment_types_are_checked(sr, owner, name, content, declared):
    with pytest.raises(ValidationError):
        services.attachment_add(
            request=sr, upload=SimpleUploadedFile(name, content, content_type=declared), actor=owner
        )
    assert not sr.attachments.exists()


@pytest.mark.django_db
def test_attachment_size_is_limited(sr, owner, settings):
    settings.STEWARD_ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="larger"):
        services.attachment_add(
            request=sr, upload=SimpleUploadedFile("a.txt", b"x" * 11, content_type="text/plain"), actor=owner
        )
    services.attachment_add(
        request=sr, upload=SimpleUploadedFile("a.txt", b"x" * 10, content_type="text/plain"), actor=owner
    )


@pytest.mark.django_db
def test_watchers_may_not_attach(sr, owner, teammate):
    services.watcher_add(request=sr, watcher=teammate, actor=owner)
    with pytest.raises(PermissionDenied):
        services.attachment_add(
            request=sr, upload=SimpleUploadedFile("a.txt", b"x", content_type="text/plain"), actor=teammate
        )


# --- priority and assignment ------------------------------------------------------------------------


@pytest.mark.django_db
def test_agents_change_priority_and_assignee(sr, agent, owner):
    services.request_update(request=sr, actor=agent, expected_version=1, priority="urgent", assignee=agent)
    sr.refresh_from_db()
    assert (sr.priority, sr.assignee, sr.version) == ("urgent", agent, 3)
    assert [e.verb for e in audit_events_for(sr)] == ["priority_changed", "assigned"]
    with pytest.raises(PermissionDenied):
        services.request_update(request=sr, actor=owner, priority="low")
    with pytest.raises(StaleRequest):
        services.request_update(request=sr, actor=agent, expected_version=1, priority="low")


@pytest.mark.django_db
def test_assignee_must_be_in_the_team(sr, agent, outsider):
    with pytest.raises(ValidationError):
        services.request_assign(request=sr, assignee=outsider, actor=agent)


# --- notifications (queued in the outbox, sent here as the worker would) --------------------------------


@pytest.mark.django_db
def test_status_email_goes_to_requester_for_and_watchers_but_not_the_actor(make_sr, owner, teammate, outsider, agent):
    sr = make_sr(requested_for=teammate)
    sr.watchers.add(outsider, agent)
    services.request_transition(request=sr, to=S.IN_PROGRESS, actor=agent, comment="On it")

    assert deliver_outbox() == 3

    assert sorted(m.to[0] for m in mail.outbox) == ["outsider@example.com", "owner@example.com", "teammate@example.com"]
    message = mail.outbox[0]
    assert message.subject == f"[{sr.number}] In progress: {sr.subject}"
    assert "from New to In progress" in message.body and "On it" in message.body
    assert f"/requests/{sr.number}/" in message.body
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"


@pytest.mark.django_db
def test_the_email_tells_the_event_as_it_was_when_it_happened(make_sr, owner, agent):
    sr = make_sr()
    services.request_transition(request=sr, to=S.IN_PROGRESS, actor=agent, comment="On it")
    ServiceRequest.objects.filter(pk=sr.pk).update(subject="Renamed later")

    deliver_outbox()

    assert [m.subject for m in mail.outbox] == [f"[{sr.number}] In progress: {sr.subject}"]


@pytest.mark.django_db
def test_comment_email_skips_the_author(sr, owner, agent):
    services.comment_add(request=sr, author=agent, body="Done <b>soon</b>")
    assert deliver_outbox() == 1
    assert mail.outbox[0].to == ["owner@example.com"]
    assert "Done <b>soon</b>" in mail.outbox[0].body


@pytest.mark.django_db
def test_notifications_off_queue_nothing(make_sr, agent, settings):
    settings.STEWARD_SEND_NOTIFICATIONS = False  # seed_demo writes its history like this
    services.request_transition(request=make_sr(), to=S.IN_PROGRESS, actor=agent)
    assert queued() == []


@pytest.mark.django_db
def test_tasks_of_the_old_release_queue_into_the_outbox_once(sr, owner, agent, settings):
    settings.STEWARD_SEND_NOTIFICATIONS = False  # the event was recorded by a release without the outbox
    services.request_transition(request=sr, to=S.IN_PROGRESS, actor=agent)
    comment = services.comment_add(request=sr, author=agent, body="Soon")
    settings.STEWARD_SEND_NOTIFICATIONS = True
    event = audit_events_for(sr).get(verb="status_changed")

    assert tasks.fulfillment_send_status_email(event_id=event.pk) == 1
    assert tasks.fulfillment_send_status_email(event_id=event.pk) == 1  # still the same pending row
    assert tasks.fulfillment_send_comment_email(comment_id=comment.pk) == 1
    assert deliver_outbox() == 2
    assert tasks.fulfillment_send_status_email(event_id=event.pk) == 0  # sent: nothing new
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_old_release_tasks_exit_quietly_when_the_row_is_gone(sr, agent):
    assert tasks.fulfillment_send_status_email(event_id=999_999) == 0
    internal = CommentFactory(request=sr, author=agent, is_internal=True)
    assert tasks.fulfillment_send_comment_email(comment_id=internal.pk) == 0
    assert tasks.fulfillment_send_comment_email(comment_id=999_999) == 0
    assert queued() == []


# --- auto-close ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_auto_close_closes_only_what_is_due_once(make_sr, settings, published, django_capture_on_commit_callbacks):
    settings.STEWARD_AUTO_CLOSE_DAYS = 5
    old = make_sr(status=S.FULFILLED, fulfilled_at=timezone.now() - dt.timedelta(days=6))
    recent = make_sr(status=S.FULFILLED, fulfilled_at=timezone.now() - dt.timedelta(days=2))
    working = make_sr(status=S.IN_PROGRESS)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.fulfillment_close_fulfilled_requests() == 1
    assert tasks.fulfillment_close_fulfilled_requests() == 0

    old.refresh_from_db()
    recent.refresh_from_db()
    working.refresh_from_db()
    assert (old.status, old.version) == (S.CLOSED, 2) and old.closed_at is not None
    assert (recent.status, working.status) == (S.FULFILLED, S.IN_PROGRESS)
    event = audit_events_for(old).get()
    assert (event.verb, event.actor, event.data["to"]) == ("status_changed", None, S.CLOSED)
    assert queued() == [(f"fulfillment.status:{event.pk}", "owner@example.com")]
    assert len(published_ids(published)) == 1


def test_beat_schedule_runs_auto_close_hourly():
    from portal.celery import app

    entry = app.conf.beat_schedule["fulfillment-close-fulfilled-requests"]
    assert entry["task"] == tasks.fulfillment_close_fulfilled_requests.name
    assert entry["schedule"].minute == {17}


@pytest.mark.django_db
def test_item_without_form_cannot_be_requested(owner, desk_team):
    item = CatalogItemFactory(slug="no-form", fulfilling_team=desk_team, publish_form=False)
    item.current_form = None
    with pytest.raises(ValidationError):
        services.request_create(item=item, requester=owner, answers={})
