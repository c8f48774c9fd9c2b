from rest_framework.routers import SimpleRouter

from apps.catalog.api.views import CatalogItemViewSet, ServiceViewSet

router = SimpleRouter()
router.register("services", ServiceViewSet, basename="service")
router.register("catalog-items", CatalogItemViewSet, basename="catalogitem")
urlpatterns = router.urls
