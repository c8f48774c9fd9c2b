from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from apps.fulfillment.api.views import ServiceRequestViewSet

router = SimpleRouter()
router.register("requests", ServiceRequestViewSet, basename="servicerequest")
urlpatterns: list[URLPattern | URLResolver] = router.urls
