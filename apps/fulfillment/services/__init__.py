"""Every write to service requests. One module per concern; this package exports the public services.

- transitions: the one status write (compare-and-set, audit event, status mail, SLA due time) the others use
- notifications: the emails about a request's events, queued in apps.core's outbox
- lifecycle: filing, transitions, comments, watchers, attachments
- sla: due times in the fulfilling team's business hours, pauses, warnings and escalations
- approvals: the approver's inbox decisions and reminders
- queue: the agent queue's bulk actions, saved filters and canned replies
- automation: handing automated items to apps.automation and recording the outcome
"""

from apps.fulfillment.services.lifecycle import (
    COMMENT_MAX_CHARS,
    attachment_add,
    comment_add,
    request_assign,
    request_close_fulfilled,
    request_create,
    request_file,
    request_queue_comment_email,
    request_queue_status_email,
    request_transition,
    request_update,
    request_update_priority,
    sanitize_filename,
    watcher_add,
    watcher_remove,
)

__all__ = [
    "COMMENT_MAX_CHARS",
    "attachment_add",
    "comment_add",
    "request_assign",
    "request_close_fulfilled",
    "request_create",
    "request_file",
    "request_queue_comment_email",
    "request_queue_status_email",
    "request_transition",
    "request_update",
    "request_update_priority",
    "sanitize_filename",
    "watcher_add",
    "watcher_remove",
]
