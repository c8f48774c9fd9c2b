from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from apps.automation.api.views import AutomationRunViewSet

router = SimpleRouter()
router.register("automation-runs", AutomationRunViewSet, basename="automationrun")
urlpatterns: list[URLPattern | URLResolver] = router.urls
