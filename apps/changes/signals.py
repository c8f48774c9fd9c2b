"""Side concerns only: a window's scope change bumps its ``updated_at``, which keys the gate's window cache."""

from typing import Any

from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.utils import timezone

from apps.changes.models import Window


@receiver(m2m_changed, sender=Window.services.through, dispatch_uid="changes.window_services")
@receiver(m2m_changed, sender=Window.environments.through, dispatch_uid="changes.window_environments")
def window_scope_changed(*, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any) -> None:
    if not action.startswith("post_"):
        return
    windows = Window.objects.all()
    if not reverse:
        windows = windows.filter(pk=instance.pk)
    elif action != "post_clear":  # a clear from the service side names no window: bump them all (rare)
        windows = windows.filter(pk__in=pk_set or ())
    windows.update(updated_at=timezone.now())
