from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from apps.fulfillment.api import approvals
from apps.fulfillment.api.views import ServiceRequestViewSet

router = SimpleRouter()
# Approvals first: "requests/..." would otherwise catch "approvals" paths as request numbers.
approvals.register(router)
router.register("requests", ServiceRequestViewSet, basename="servicerequest")
urlpatterns: list[URLPattern | URLResolver] = router.urls
