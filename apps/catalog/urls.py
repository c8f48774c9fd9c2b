from django.urls import path

from apps.catalog.views import manage, public

app_name = "catalog"
urlpatterns = [
    path("", public.catalog_home, name="home"),
    path("search/", public.item_search, name="search"),
    path("categories/<slug:slug>/", public.category_detail, name="category-detail"),
    path("services/", public.service_list, name="service-list"),
    path("service-options/", public.service_options, name="service-search"),
    path("services/<slug:slug>/", public.service_detail, name="service-detail"),
    path("items/<slug:slug>/", public.item_detail, name="item-detail"),
    # The catalog builder (catalog managers and administrators). "new-…" pages sit outside items/ and
    # services/ so that no slug can hide them.
    path("catalog/manage/", manage.item_list, name="manage-item-list"),
    path("catalog/manage/new-item/", manage.item_create, name="manage-item-create"),
    path("catalog/manage/items/<slug:slug>/", manage.item_edit, name="manage-item-edit"),
    path("catalog/manage/items/<slug:slug>/form/", manage.item_form, name="manage-item-form"),
    path("catalog/manage/items/<slug:slug>/form/preview/", manage.item_form_preview, name="manage-item-form-preview"),
    path("catalog/manage/items/<slug:slug>/form/export/", manage.item_form_export, name="manage-item-form-export"),
    path("catalog/manage/items/<slug:slug>/form/import/", manage.item_form_import, name="manage-item-form-import"),
    path("catalog/manage/services/", manage.service_list, name="manage-service-list"),
    path("catalog/manage/new-service/", manage.service_create, name="manage-service-create"),
    path("catalog/manage/services/<slug:slug>/", manage.service_edit, name="manage-service-edit"),
    path("catalog/manage/automation-settings/", manage.automation_config, name="manage-automation-config"),
]
