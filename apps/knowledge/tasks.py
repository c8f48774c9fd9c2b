"""Celery tasks of the knowledge base: thin and idempotent; the work is in services."""

from celery import shared_task

from apps.knowledge.services import review_reminders_send


@shared_task(acks_late=True)
def knowledge_send_review_reminders() -> int:
    """Remind owner teams of published articles past review; twice in one week sends nothing new."""
    return review_reminders_send()
