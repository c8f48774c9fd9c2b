from django.apps import AppConfig


class FulfillmentConfig(AppConfig):
    name = "apps.fulfillment"
    label = "fulfillment"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.approvals.registry import register_provider
        from apps.fulfillment.approvals import PROVIDER
        from apps.fulfillment.services import automation  # noqa: F401  # registers the automation subject handler

        register_provider(PROVIDER)  # service requests in the approver's inbox
