from django.urls import path

from apps.knowledge import views

app_name = "knowledge"
urlpatterns = [
    path("", views.article_list, name="article-list"),
    path("new/", views.article_create, name="article-create"),
    path("needs-review/", views.article_needs_review, name="article-needs-review"),
    path("suggest/", views.article_suggest, name="article-suggest"),
    path("reports/", views.article_report, name="article-report"),
    # Panels other pages load lazily with htmx (the request page, the catalog's search).
    path("panels/catalog/", views.catalog_panel, name="catalog-panel"),
    path("links/<str:subject_type>/<str:subject_id>/", views.link_panel, name="link-panel"),
    path("links/<str:subject_type>/<str:subject_id>/search/", views.link_search, name="link-search"),
    path("links/<str:subject_type>/<str:subject_id>/add/", views.link_create, name="link-create"),
    path("links/<str:subject_type>/<str:subject_id>/answer/", views.link_answer, name="link-answer"),
    path("links/<str:subject_type>/<str:subject_id>/remove/", views.link_delete, name="link-delete"),
    path("<slug:slug>/", views.article_detail, name="article-detail"),
    path("<slug:slug>/edit/", views.article_edit, name="article-edit"),
    path("<slug:slug>/state/", views.article_transition, name="article-transition"),
    path("<slug:slug>/history/", views.article_history, name="article-history"),
    path("<slug:slug>/restore/<int:number>/", views.article_restore, name="article-restore"),
    path("<slug:slug>/feedback/", views.article_feedback, name="article-feedback"),
    path("<slug:slug>/files/", views.attachment_create, name="attachment-create"),
    path("<slug:slug>/files/<int:pk>/", views.attachment_download, name="attachment-download"),
    path("<slug:slug>/files/<int:pk>/delete/", views.attachment_delete, name="attachment-delete"),
]
