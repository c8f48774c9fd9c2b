"""Service requests in the approver's inbox: fulfillment's approval provider (apps.approvals.registry).

Who approves what stays in apps.fulfillment.selectors.approvals (the inbox's SQL) and services.approvals
(the decision); this module only translates between them and the inbox's shapes and errors.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404

from apps.accounts.display import display_name
from apps.accounts.models import User
from apps.approvals.exceptions import ApprovalInvalid, ApprovalNotFound, ApprovalRefused, ApprovalStale
from apps.approvals.registry import ApprovalProvider, Decided, PendingApproval
from apps.catalog.choices import ApprovalRule
from apps.catalog.formdefs import display_answers
from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.exceptions import InvalidTransition, StaleRequest
from apps.fulfillment.models import ServiceRequest, parse_number
from apps.fulfillment.permissions import get_request_for_user
from apps.fulfillment.selectors.approvals import approval_inbox_queryset
from apps.fulfillment.services.approvals import approval_decide, approval_refusal

KEY = "fulfillment.request"


def _inbox(user: User) -> QuerySet[ServiceRequest]:
    return approval_inbox_queryset(user).select_related("item__approval_team", "form_version")


def _needs(sr: ServiceRequest) -> str:
    if sr.item.approval_rule == ApprovalRule.TEAM and sr.item.approval_team is not None:
        return f"{sr.item.name}: approval by {sr.item.approval_team.name}"
    return f"{sr.item.name}: approval by the requester's manager"


def _pending(sr: ServiceRequest) -> PendingApproval:
    requester = display_name(sr.requester) + (f" (for {display_name(sr.requested_for)})" if sr.requested_for else "")
    return PendingApproval(
        provider=KEY,
        provider_label="Service request",
        key=sr.number,
        title=sr.subject,
        requester=requester,
        needs=_needs(sr),
        since=sr.created_at,
        url=sr.get_absolute_url(),
        version=sr.version,
        requester_username=sr.requester.username,
        details=tuple(display_answers(sr.form_version.definition, sr.answers)),
    )


def pending_for(user: User, limit: int) -> list[PendingApproval]:
    return [_pending(sr) for sr in _inbox(user)[:limit]]


def count_for(user: User) -> int:
    return approval_inbox_queryset(user).order_by().count()


def get(user: User, key: str) -> PendingApproval | None:
    pk = parse_number(key)
    sr = _inbox(user).filter(pk=pk).first() if pk is not None else None
    return _pending(sr) if sr is not None else None


def decide(user: User, key: str, decision: str, comment: str, version: int | None) -> Decided:
    """services.approvals.approval_decide, its errors mapped onto the inbox's (apps.approvals.exceptions)."""
    try:
        sr = get_request_for_user(user, key)
    except Http404:
        raise ApprovalNotFound("no such request, or not visible to you") from None
    try:
        sr = approval_decide(request=sr, decision=decision, actor=user, comment=comment, expected_version=version)
    except ValidationError as exc:
        raise ApprovalInvalid.from_validation_error(exc) from exc
    except StaleRequest as exc:
        raise ApprovalStale(exc.message) from exc
    except InvalidTransition as exc:
        raise ApprovalStale(f"it is “{RequestStatus(sr.status).label}”, no longer awaiting approval") from exc
    except PermissionDenied as exc:
        raise ApprovalRefused(approval_refusal(user, sr, decision) or "you are not its approver") from exc
    status = RequestStatus(sr.status)
    return Decided(KEY, sr.number, sr.subject, sr.get_absolute_url(), status.value, str(status.label))


PROVIDER = ApprovalProvider(
    key=KEY,
    label="Service requests",
    key_pattern=r"SR-[0-9]{1,18}",
    scope="requests",
    pending_for=pending_for,
    count_for=count_for,
    get=get,
    decide=decide,
)
