from django.urls import path

from apps.automation import views

app_name = "automation"
urlpatterns = [
    path("runs/<str:subject_type>/<str:subject_id>/", views.run_panel, name="run-panel"),
    path("runs/<str:subject_type>/<str:subject_id>/retry/", views.run_retry, name="run-retry"),
]
