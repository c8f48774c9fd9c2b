"""Emails about changes, queued in the outbox (apps.core.notifications) inside the caller's transaction.

- approvers: when a change starts waiting for approval, each person who may approve it gets one email per
  approval round (the outbox key ``changes.approval:<change>:<round>`` makes a repeat call send nothing new);
- the requester on every human decision (for a pipeline change, whose requester is a service account, the
  person who triggered the run): who decided what, and what the change still waits for.

Who may approve is decided by apps.changes.services.approvals, which passes the people in: this module only
renders and queues, so it imports nothing from the routing rules.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.template.loader import render_to_string

from apps.accounts.models import User
from apps.changes.models import Change, ChangeApproval
from apps.core.notifications import Email, notification_queue


def reachable(people: Iterable[User | None]) -> list[User]:
    """Active people with an address, once each, in the order given (service accounts read no mail)."""
    seen: dict[int, User] = {}
    for person in people:
        if person is not None and person.is_active and person.email and not person.is_service_account:
            seen.setdefault(person.pk, person)
    return list(seen.values())


def _url(change: Change) -> str:
    return str(settings.SITE_URL).rstrip("/") + change.get_absolute_url()


def change_notify_approvers(*, change: Change, approvers: list[User], blockers: list[str] | None = None) -> list[int]:
    """Tell ``approvers`` that ``change`` waits for their decision: one email each per approval round.

    The outbox ids of the rows queued now (none for people already told in this round).
    """
    if not settings.STEWARD_SEND_NOTIFICATIONS:
        return []  # seed_demo: not even rendered
    people = reachable(approvers)
    if not people:
        return []
    subject = f"[{change.number}] Approval needed ({change.tier or 'unscored'} risk): {change.title}"
    context = {"change": change, "url": _url(change), "blockers": blockers or []}
    body = render_to_string("changes/email/approval_needed.txt", context)
    return notification_queue(
        event_key=f"changes.approval:{change.pk}:{change.approval_round}",
        emails=[Email(to=person.email, subject=subject, body=body) for person in people],
    )


def decision_recipient(change: Change) -> User | None:
    """Who hears of decisions: the requester, or for a pipeline's service account the run's CI actor."""
    if change.requester.is_service_account:
        return change.ci_actor
    return change.requester


def change_notify_decision(
    *, change: Change, approval: ChangeApproval, teams: list[str], waiting_for: list[str]
) -> list[int]:
    """Tell the requester (decision_recipient) of a decision for ``teams`` (``approval`` is its first row),
    unless they made it themselves; ``waiting_for`` says who must still approve."""
    if not settings.STEWARD_SEND_NOTIFICATIONS:
        return []
    person = decision_recipient(change)
    people = [p for p in reachable([person]) if p.pk != approval.approver_id]
    if not people:
        return []
    verb = "Approved" if approval.decision == "approved" else "Rejected"
    subject = f"[{change.number}] {verb} by {approval.approver}: {change.title}"
    context = {"change": change, "approval": approval, "teams": teams, "waiting_for": waiting_for, "url": _url(change)}
    body = render_to_string("changes/email/decision.txt", context)
    return notification_queue(
        event_key=f"changes.decision:{approval.pk}",
        emails=[Email(to=p.email, subject=subject, body=body) for p in people],
    )
