from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from apps.changes.api.gate_view import GateView
from apps.changes.api.policy_views import PolicyVersionViewSet
from apps.changes.api.views import ChangeViewSet, WindowViewSet

router = SimpleRouter()
router.register("change-windows", WindowViewSet, basename="changewindow")
router.register("changes", ChangeViewSet, basename="change")
router.register("policy-versions", PolicyVersionViewSet, basename="policyversion")
urlpatterns: list[URLPattern | URLResolver] = [
    # First: the URL pipelines poll.
    path("changes/<str:number>/gate/", GateView.as_view(), name="change-gate"),
    *router.urls,
]
