"""Handing automated catalog items to apps.automation, and turning finished runs into request outcomes.

Importing this module registers the service-request subject handler with the automation engine
(apps.automation.registry.register_subject_handler); FulfillmentConfig.ready imports it.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.text import Truncator

from apps.accounts.models import User
from apps.automation.choices import RunStatus
from apps.automation.models import AutomationRun
from apps.automation.registry import register_subject_handler
from apps.automation.selectors import FAILED_MESSAGE, run_message
from apps.automation.services import run_create, run_retry_check
from apps.catalog.choices import FulfilmentMode
from apps.core.services import audit_record
from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.exceptions import InvalidTransition, StaleRequest
from apps.fulfillment.models import ServiceRequest
from apps.fulfillment.permissions import is_agent_of, team_ids
from apps.fulfillment.selectors import request_queryset_for
from apps.fulfillment.services.transitions import request_move

logger = logging.getLogger(__name__)
S = RequestStatus
SUBJECT_TYPE = ServiceRequest._meta.label_lower  # "fulfillment.servicerequest"
# The public comment of the move to failed (timeline, emails): a reason, never the run's error text.
NEEDS_ATTENTION_MESSAGE = (
    "The automatic step was interrupted and may already have taken effect; the service desk has been told "
    "and will check it."
)


def _params(sr: ServiceRequest) -> dict[str, Any]:
    """What actions receive: the answers, who the request is for (``user``), who filed it, and its number."""
    beneficiary = sr.requested_for or sr.requester
    return {
        "answers": sr.answers,
        "user": beneficiary.username,
        "requester": sr.requester.username,
        "reference": sr.number,
    }


def _queue_run(sr: ServiceRequest) -> AutomationRun:
    item = sr.item
    return run_create(
        action=item.automation_action,
        subject_type=SUBJECT_TYPE,
        subject_id=str(sr.pk),
        params=_params(sr),
        config=item.automation_config,
    )


def request_automation_queue(*, request: ServiceRequest) -> None:
    """Queue the item's automation for ``request`` when the item is automated and the request may start.

    The request moves to in progress (by the system) and the run is dispatched after commit; a broker that
    is down loses nothing: the run stays pending and apps.automation's sweep dispatches it later.
    """
    if request.item.fulfilment_mode != FulfilmentMode.AUTOMATED or request.status not in (S.NEW, S.APPROVED):
        return
    # seed_demo writes its history through the services and moves requests itself.
    if not getattr(settings, "STEWARD_AUTOMATION_ENABLED", True):
        return
    action = request.item.automation_action
    request_move(request=request, to=S.IN_PROGRESS, actor=None, comment=f"Handed to automation ({action}).")
    _queue_run(request)


def can_retry_automation(user: User | AnonymousUser, sr: ServiceRequest) -> bool:
    """Agents of the request's team may retry a failed automated request."""
    return sr.status == S.FAILED and sr.item.fulfilment_mode == FulfilmentMode.AUTOMATED and is_agent_of(user, sr)


@transaction.atomic
def request_automation_retry(*, request: ServiceRequest, actor: User, confirmed: bool = False) -> AutomationRun:
    """Failed -> in progress with a new run of the item's (current) automation; agents of the team only.

    After a run that needs attention, ``confirmed`` must say the agent accepted that the external call may
    be made twice (apps.automation.services.run_retry_check raises RetryNeedsConfirmation otherwise).
    """
    if not is_agent_of(actor, request):
        raise PermissionDenied("Only the fulfilling team can retry the automation.")
    if request.item.fulfilment_mode != FulfilmentMode.AUTOMATED:
        raise ValidationError("This item is no longer automated: work on the request by hand.")
    repeats = run_retry_check(subject_type=SUBJECT_TYPE, subject_id=str(request.pk), confirmed=confirmed)
    # The audit trail keeps who accepted that the interrupted run's external call may be made twice.
    comment = "Automation retried (confirmed after an interrupted run)." if repeats else "Automation retried."
    try:
        request_move(request=request, to=S.IN_PROGRESS, actor=actor, comment=comment)
    except (InvalidTransition, StaleRequest) as exc:
        raise ValidationError(exc.message) from exc
    return _queue_run(request)


# --- The subject handler (called by apps.automation) ---------------------------------------------------


def _summary(run: AutomationRun) -> str:
    """The public comment of the request's move: everyone who follows the request reads it and gets it by mail,
    so it holds the run's human message, never its error or output (agents read those on the runs panel)."""
    if run.status == RunStatus.SUCCEEDED:
        return Truncator(f"Automation ({run.action}) succeeded: {run_message(run)}").chars(1000)
    if run.status == RunStatus.NEEDS_ATTENTION:
        return NEEDS_ATTENTION_MESSAGE
    return FAILED_MESSAGE


def request_automation_finished(run: AutomationRun) -> None:
    """In progress -> fulfilled or failed by the system, in the transaction that records the run's end."""
    sr = ServiceRequest.objects.select_for_update().filter(pk=run.subject_id).first()
    if sr is None:
        return
    to = S.FULFILLED if run.status == "succeeded" else S.FAILED
    if sr.status != S.IN_PROGRESS:  # someone took it by hand meanwhile: record the outcome, move nothing
        audit_record(target=sr, verb="automation_finished", actor=None, run=run.pk, status=run.status)
        return
    request_move(request=sr, to=to, actor=None, comment=_summary(run))


def _get_for_user(user: User | AnonymousUser, subject_id: str) -> ServiceRequest:
    if not (subject_id.isascii() and subject_id.isdigit()) or len(subject_id) > 18:
        raise Http404("No such request.")
    return get_object_or_404(request_queryset_for(user), pk=int(subject_id))


def _visible_ids(user: User | AnonymousUser) -> QuerySet[Any]:
    return request_queryset_for(user).order_by().annotate(sid=Cast("pk", CharField())).values("sid")


def _retry(sr: ServiceRequest, actor: User, confirmed: bool) -> AutomationRun:
    return request_automation_retry(request=sr, actor=actor, confirmed=confirmed)


def _detail_ids(user: User | AnonymousUser) -> QuerySet[Any]:
    """The requests whose runs' details ``user`` reads: those of the teams they work in as an agent."""
    if not user.has_perm("fulfillment.work_servicerequest"):
        return ServiceRequest.objects.none().values("pk")
    mine = ServiceRequest.objects.filter(team_id__in=sorted(team_ids(user))).order_by()
    return mine.annotate(sid=Cast("pk", CharField())).values("sid")


register_subject_handler(
    SUBJECT_TYPE,
    request_automation_finished,
    get_for_user=_get_for_user,
    visible_ids=_visible_ids,
    can_retry=can_retry_automation,
    retry=_retry,
    can_see_details=is_agent_of,
    detail_ids=_detail_ids,
)
