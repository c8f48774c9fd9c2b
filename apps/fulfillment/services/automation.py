"""Handing automated catalog items to apps.automation, and turning finished runs into request outcomes.

Importing this module registers the service-request subject handler with the automation engine
(apps.automation.registry.register_subject_handler); FulfillmentConfig.ready imports it.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.text import Truncator

from apps.automation.models import AutomationRun
from apps.automation.registry import register_subject_handler
from apps.automation.services import run_create
from apps.catalog.choices import FulfilmentMode
from apps.core.services import audit_record
from apps.fulfillment.choices import RequestStatus
from apps.fulfillment.exceptions import InvalidTransition, StaleRequest
from apps.fulfillment.models import ServiceRequest
from apps.fulfillment.permissions import is_agent_of
from apps.fulfillment.selectors import request_queryset_for

logger = logging.getLogger(__name__)
S = RequestStatus
SUBJECT_TYPE = ServiceRequest._meta.label_lower  # "fulfillment.servicerequest"


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
    from apps.fulfillment.services.lifecycle import request_transition  # lifecycle imports this module

    action = request.item.automation_action
    request_transition(request=request, to=S.IN_PROGRESS, actor=None, comment=f"Handed to automation ({action}).")
    _queue_run(request)


def can_retry_automation(user: Any, sr: ServiceRequest) -> bool:
    """Agents of the request's team may retry a failed automated request."""
    return sr.status == S.FAILED and sr.item.fulfilment_mode == FulfilmentMode.AUTOMATED and is_agent_of(user, sr)


@transaction.atomic
def request_automation_retry(*, request: ServiceRequest, actor: Any) -> AutomationRun:
    """Failed -> in progress with a new run of the item's (current) automation; agents of the team only."""
    from apps.fulfillment.services.lifecycle import request_transition

    if not is_agent_of(actor, request):
        raise PermissionDenied("Only the fulfilling team can retry the automation.")
    if request.item.fulfilment_mode != FulfilmentMode.AUTOMATED:
        raise ValidationError("This item is no longer automated: work on the request by hand.")
    try:
        request_transition(request=request, to=S.IN_PROGRESS, actor=actor, comment="Automation retried.")
    except (InvalidTransition, StaleRequest) as exc:
        raise ValidationError(exc.message) from exc
    return _queue_run(request)


# --- The subject handler (called by apps.automation) ---------------------------------------------------


def _summary(run: AutomationRun) -> str:
    if run.status == "succeeded":
        text = str(run.output.get("summary") or "Done.")
        return Truncator(f"Automation ({run.action}) succeeded: {text}").chars(1000)
    return Truncator(f"Automation ({run.action}) failed: {run.error}").chars(1000)


def request_automation_finished(run: AutomationRun) -> None:
    """In progress -> fulfilled or failed by the system, in the transaction that records the run's end."""
    from apps.fulfillment.services.lifecycle import request_transition

    sr = ServiceRequest.objects.select_for_update().filter(pk=run.subject_id).first()
    if sr is None:
        return
    to = S.FULFILLED if run.status == "succeeded" else S.FAILED
    if sr.status != S.IN_PROGRESS:  # someone took it by hand meanwhile: record the outcome, move nothing
        audit_record(target=sr, verb="automation_finished", actor=None, run=run.pk, status=run.status)
        return
    request_transition(request=sr, to=to, actor=None, comment=_summary(run))


def _get_for_user(user: Any, subject_id: str) -> ServiceRequest:
    if not (subject_id.isascii() and subject_id.isdigit()) or len(subject_id) > 18:
        raise Http404("No such request.")
    return get_object_or_404(request_queryset_for(user), pk=int(subject_id))


def _visible_ids(user: Any) -> QuerySet[Any]:
    return request_queryset_for(user).order_by().annotate(sid=Cast("pk", CharField())).values("sid")


def _retry(sr: ServiceRequest, actor: Any) -> AutomationRun:
    return request_automation_retry(request=sr, actor=actor)


register_subject_handler(
    SUBJECT_TYPE,
    request_automation_finished,
    get_for_user=_get_for_user,
    visible_ids=_visible_ids,
    can_retry=can_retry_automation,
    retry=_retry,
)
