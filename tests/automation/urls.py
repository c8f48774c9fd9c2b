"""portal.urls plus apps.automation.urls at automation/ (until portal/urls.py includes it itself)."""

from django.urls import include, path

from portal.urls import urlpatterns as portal_urlpatterns

_included = any(getattr(p, "namespace", None) == "automation" for p in portal_urlpatterns)
urlpatterns = (
    portal_urlpatterns if _included else [path("automation/", include("apps.automation.urls")), *portal_urlpatterns]
)
