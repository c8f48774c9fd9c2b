from django.urls import URLPattern, URLResolver, path

from apps.approvals import views

app_name = "approvals"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.approval_inbox, name="inbox"),
    path("badge/", views.approval_badge, name="badge"),
    path("bulk/", views.approval_decide_bulk, name="decide-bulk"),
    path("<str:provider>/<str:key>/decide/", views.approval_decide, name="decide"),
]
