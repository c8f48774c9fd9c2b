"""The approver's inbox, under /requests/approvals/ in the "fulfillment" namespace."""

from django.urls import URLPattern, URLResolver, path

from apps.fulfillment.views import approvals as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.approval_inbox, name="approval-inbox"),
    path("bulk/", views.approval_decide_bulk, name="approval-decide-bulk"),
    path("<request_number:number>/decide/", views.approval_decide, name="approval-decide"),
]
