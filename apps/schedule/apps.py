from django.apps import AppConfig


class ScheduleConfig(AppConfig):
    """The change calendar: events, windows drawn and built, forward schedule, CAB agenda, iCalendar feeds."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.schedule"
    label = "schedule"
    verbose_name = "Change calendar"

    def ready(self) -> None:
        from apps.schedule import signals  # noqa: F401  # registers the receivers
