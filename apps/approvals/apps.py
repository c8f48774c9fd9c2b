from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    """The approver's inbox: the apps that need decisions register providers (apps.approvals.registry)."""

    name = "apps.approvals"
    label = "approvals"
    verbose_name = "Approvals"
