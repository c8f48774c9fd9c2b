from typing import Any

from django.apps import AppConfig


def _request_for_user(user: Any, subject_id: str) -> Any:
    """The request with primary key ``subject_id`` if ``user`` may see it, else Http404 (knowledge's link panel)."""
    from django.http import Http404
    from django.shortcuts import get_object_or_404

    from apps.fulfillment.selectors.requests import request_queryset_for

    if not subject_id.isdigit() or len(subject_id) > 18:
        raise Http404("No such request.")
    return get_object_or_404(request_queryset_for(user), pk=int(subject_id))


class FulfillmentConfig(AppConfig):
    name = "apps.fulfillment"
    label = "fulfillment"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.approvals.registry import register_provider
        from apps.fulfillment.approvals import PROVIDER
        from apps.fulfillment.permissions import is_agent_of
        from apps.fulfillment.services import automation  # noqa: F401  # registers the automation subject handler
        from apps.knowledge.registry import register_link_subject

        register_provider(PROVIDER)  # service requests in the approver's inbox
        # Agents of the request's team link articles to it and insert them into replies (templates/knowledge/).
        register_link_subject("fulfillment.servicerequest", get_for_user=_request_for_user, can_link=is_agent_of)
