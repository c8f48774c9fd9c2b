"""Side concerns only: what no ``updated_at`` shows renews the feeds' mark, so that their ETags change."""

from typing import Any

from django.db.models.signals import m2m_changed, post_delete
from django.dispatch import receiver

from apps.changes.models import Change
from apps.schedule.stamps import renew_mark


@receiver(post_delete, sender=Change, dispatch_uid="schedule.change_deleted")
def change_deleted(**kwargs: Any) -> None:
    renew_mark()


@receiver(m2m_changed, sender=Change.services.through, dispatch_uid="schedule.change_services")
def change_services_changed(*, action: str, **kwargs: Any) -> None:
    if action.startswith("post_"):
        renew_mark()
