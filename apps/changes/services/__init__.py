"""Every write of the changes app. Other apps import from here (and from selectors and models) only."""

from apps.changes.services.approvals import change_decide, change_route
from apps.changes.services.lifecycle import (
    ChangeData,
    change_create,
    change_open_for_pipeline,
    change_submit,
    change_transition,
    change_update,
)
from apps.changes.services.notify import change_notify_approvers
from apps.changes.services.outcome import change_gate_went, change_record_outcome
from apps.changes.services.policies import policy_rule_save, window_create, window_update
from apps.changes.services.scoring import change_attributes, change_score

__all__ = [
    "ChangeData",
    "change_attributes",
    "change_create",
    "change_decide",
    "change_gate_went",
    "change_notify_approvers",
    "change_open_for_pipeline",
    "change_record_outcome",
    "change_route",
    "change_score",
    "change_submit",
    "change_transition",
    "change_update",
    "policy_rule_save",
    "window_create",
    "window_update",
]
