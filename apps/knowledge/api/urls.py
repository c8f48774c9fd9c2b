from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from apps.knowledge.api.views import ArticleViewSet

router = SimpleRouter()
router.register("articles", ArticleViewSet, basename="article")
urlpatterns: list[URLPattern | URLResolver] = router.urls
