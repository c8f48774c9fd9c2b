"""Approval decisions (one and bulk, all or nothing), self-approval, notifications and reminders."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.core.selectors import audit_events_for
from apps.core.tasks import core_send_notification
from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.models import ServiceRequest
from apps.fulfillment.selectors.approvals import approval_inbox_queryset, approvers_for
from apps.fulfillment.services import approvals
from apps.fulfillment.tasks.approvals import fulfillment_send_approval_reminders
from tests.factories import UserFactory
from tests.fulfillment.factories import ServiceRequestFactory
from tests.outbox import deliver_outbox, queued

S = RequestStatus
pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(owner, manager_item):
    def make(**kwargs):
        kwargs.setdefault("requester", owner)
        kwargs.setdefault("item", manager_item)
        return ServiceRequestFactory(status=S.AWAITING_APPROVAL, **kwargs)

    return make


def _age(sr, hours):
    ServiceRequest.objects.filter(pk=sr.pk).update(created_at=timezone.now() - dt.timedelta(hours=hours))


# --- The inbox selector -------------------------------------------------------------------------------


def test_inbox_holds_what_each_approver_decides(
    owner, teammate, outsider, agent, manager, approver, waiting, team_item, admin_user
):
    by_manager = waiting()
    by_team = waiting(item=team_item)
    ServiceRequestFactory(requester=owner, item=by_manager.item, status=S.NEW)  # not waiting

    assert list(approval_inbox_queryset(manager)) == [by_manager]
    assert list(approval_inbox_queryset(approver)) == [by_team]
    for user in (owner, teammate, outsider, agent):
        assert list(approval_inbox_queryset(user)) == []
    assert set(approval_inbox_queryset(admin_user)) == {by_manager, by_team}


def test_team_member_without_the_approve_permission_is_not_an_approver(desk_team, waiting, team_item):
    member = UserFactory(username="member", roles=["Agents"], member_of=[desk_team])
    waiting(item=team_item)

    assert list(approval_inbox_queryset(member)) == []


def test_own_request_never_in_the_inbox(manager, waiting, team_item, approver):
    waiting(requester=manager)  # manager manages their own primary team
    waiting(requester=approver, item=team_item)

    assert list(approval_inbox_queryset(manager)) == []
    assert list(approval_inbox_queryset(approver)) == []


# --- One decision ---------------------------------------------------------------------------------------


def test_manager_approves_with_comment_and_requester_is_notified(
    waiting, manager, owner, mocker, django_capture_on_commit_callbacks
):
    sr = waiting()
    published = mocker.patch.object(core_send_notification, "apply_async")

    with django_capture_on_commit_callbacks(execute=True):
        approvals.approval_decide(request=sr, decision="approve", actor=manager, comment="Fine by me")

    sr.refresh_from_db()
    assert sr.status == S.APPROVED
    event = audit_events_for(sr).filter(verb="status_changed").last()
    assert (event.actor, event.data["to"], event.data["comment"]) == (manager, S.APPROVED, "Fine by me")
    assert queued() == [(f"fulfillment.status:{event.pk}", owner.email)]
    assert published.call_count == 1


def test_rejection_emails_the_requester(waiting, manager, owner):
    sr = waiting()

    approvals.approval_decide(request=sr, decision="reject", actor=manager, comment="Not this quarter")
    deliver_outbox()  # what the worker does after commit

    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert "Rejected" in mail.outbox[0].subject
    assert "Not this quarter" in mail.outbox[0].body


def test_self_approval_refused(manager, waiting):
    sr = waiting(requester=manager)

    with pytest.raises(PermissionDenied):
        approvals.approval_decide(request=sr, decision="approve", actor=manager)
    sr.refresh_from_db()
    assert sr.status == S.AWAITING_APPROVAL
    assert "own request" in approvals.approval_refusal(manager, sr, "approve")


def test_unknown_decision_is_a_validation_error(manager, waiting):
    with pytest.raises(ValidationError):
        approvals.approval_decide(request=waiting(), decision="maybe", actor=manager)


# --- Reminders --------------------------------------------------------------------------------------------


def test_reminder_goes_to_the_approvers_once_per_period(settings, waiting, manager, team_item, approver):
    settings.STEWARD_APPROVAL_REMINDER_HOURS = 24
    old, old_team, fresh = waiting(), waiting(item=team_item), waiting()
    _age(old, 30)
    _age(old_team, 30)
    _age(fresh, 2)

    assert fulfillment_send_approval_reminders() == 2
    assert fulfillment_send_approval_reminders() == 0  # twice -> once
    assert deliver_outbox() == 2

    assert sorted(m.to[0] for m in mail.outbox) == [approver.email, manager.email]
    assert all("Waiting for your approval" in m.subject for m in mail.outbox)
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.approval_reminded_at is not None and fresh.approval_reminded_at is None


def test_reminder_repeats_after_another_delay(settings, waiting, manager):
    settings.STEWARD_APPROVAL_REMINDER_HOURS = 24
    sr = waiting()
    _age(sr, 60)
    now = timezone.now()

    assert approvals.approvals_send_reminders(now=now) == 1
    assert approvals.approvals_send_reminders(now=now + dt.timedelta(hours=23)) == 0
    assert approvals.approvals_send_reminders(now=now + dt.timedelta(hours=25)) == 1
    assert [key.split(":")[0] for key, _to in queued()] == ["fulfillment.approval-reminder"] * 2
    assert deliver_outbox() == 2


def test_request_reminded_within_the_period_is_skipped(settings, waiting, manager):
    settings.STEWARD_APPROVAL_REMINDER_HOURS = 24
    sr = waiting()
    _age(sr, 30)
    now = timezone.now()
    ServiceRequest.objects.filter(pk=sr.pk).update(approval_reminded_at=now)  # claimed by another run

    assert approvals.approvals_send_reminders(now=now) == 0
    assert queued() == []


def test_decided_requests_get_no_reminder(settings, waiting, manager):
    settings.STEWARD_APPROVAL_REMINDER_HOURS = 1
    sr = waiting()
    _age(sr, 5)
    approvals.approval_decide(request=sr, decision="approve", actor=manager)

    assert approvals.approvals_send_reminders() == 0


def test_approvers_for_team_items_are_members_with_the_permission(team_item, desk_team, approver, agent, waiting):
    sr = waiting(item=team_item)

    assert approvers_for(sr) == [approver]
