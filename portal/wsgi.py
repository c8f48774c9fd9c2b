import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()

# Load every view module now rather than on the first request, then move all that start-up made (settings, models,
# URL patterns, compiled templates' code) out of the garbage collector's sight: it never becomes garbage, and the
# collector's full passes over it were the slowest moments of a busy worker's answers (tail latency).
get_resolver().url_patterns  # noqa: B018  # evaluated for its import side effects
gc.freeze()
