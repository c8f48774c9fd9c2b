from django.urls import path

from apps.knowledge import views

app_name = "knowledge"
urlpatterns = [
    path("", views.article_list, name="article-list"),
    path("new/", views.article_create, name="article-create"),
    path("needs-review/", views.article_needs_review, name="article-needs-review"),
    path("suggest/", views.article_suggest, name="article-suggest"),
    path("reports/", views.article_report, name="article-report"),
    path("<slug:slug>/", views.article_detail, name="article-detail"),
    path("<slug:slug>/edit/", views.article_edit, name="article-edit"),
    path("<slug:slug>/state/", views.article_transition, name="article-transition"),
    path("<slug:slug>/history/", views.article_history, name="article-history"),
    path("<slug:slug>/restore/<int:number>/", views.article_restore, name="article-restore"),
    path("<slug:slug>/feedback/", views.article_feedback, name="article-feedback"),
]
