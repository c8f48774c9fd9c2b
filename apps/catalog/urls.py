from django.urls import path

from apps.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.catalog_home, name="home"),
    path("search/", views.item_search, name="search"),
    path("categories/<slug:slug>/", views.category_detail, name="category-detail"),
    path("services/", views.service_list, name="service-list"),
    path("services/<slug:slug>/", views.service_detail, name="service-detail"),
    path("items/<slug:slug>/", views.item_detail, name="item-detail"),
]
