from django.urls import path

app_name = "fulfillment"
urlpatterns: list = []
