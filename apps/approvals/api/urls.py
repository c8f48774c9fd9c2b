from django.urls import URLPattern, URLResolver, path

from apps.approvals.api import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("approvals/", views.ApprovalListView.as_view(), name="approval-list"),
    # A bare number (SR-000123, CHG-000042): its provider is found by the number's pattern. Kept from the time
    # the inbox held requests only.
    path("approvals/<str:number>/decide/", views.ApprovalDecideView.as_view(), name="approval-decide"),
    path(
        "approvals/<str:provider>/<str:key>/decide/",
        views.ApprovalProviderDecideView.as_view(),
        name="approval-provider-decide",
    ),
]
