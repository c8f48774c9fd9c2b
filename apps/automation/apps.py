from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "apps.automation"
    label = "automation"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Automation"

    def ready(self) -> None:
        from apps.automation import actions  # noqa: F401  # registers the built-in actions
