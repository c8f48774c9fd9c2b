from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from apps.changes.api.views import ChangeViewSet, WindowViewSet

router = SimpleRouter()
router.register("change-windows", WindowViewSet, basename="changewindow")
router.register("changes", ChangeViewSet, basename="change")
urlpatterns: list[URLPattern | URLResolver] = router.urls
