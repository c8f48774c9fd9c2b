from django.urls import path, register_converter

from apps.changes import views


class ChangeNumberConverter:
    """``CHG-000123``: the number changes are known by in URLs (apps.changes.models.format_number)."""

    regex = "[Cc][Hh][Gg]-[0-9]{1,18}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return str(value)


register_converter(ChangeNumberConverter, "change_number")

app_name = "changes"
urlpatterns = [
    path("", views.change_list, name="change-list"),
    path("new/", views.change_create, name="change-create"),
    path("windows/", views.window_list, name="window-list"),
    path("windows/new/", views.window_create, name="window-create"),
    path("windows/<int:pk>/edit/", views.window_edit, name="window-edit"),
    path("<change_number:number>/", views.change_detail, name="change-detail"),
    path("<change_number:number>/edit/", views.change_edit, name="change-edit"),
    path("<change_number:number>/decide/", views.change_decide, name="change-decide"),
    path("<change_number:number>/cancel/", views.change_cancel, name="change-cancel"),
]
