"""The changes app's settings, with their defaults (portal/settings.py may set each from the environment)."""

from django.conf import settings


def pipeline_window_minutes() -> int:
    """Length of a pipeline change's window when the pipeline names none: now .. now + this."""
    return int(getattr(settings, "STEWARD_CHANGES_PIPELINE_WINDOW_MINUTES", 60))


def max_paths() -> int:
    """How many touched paths a change may carry."""
    return int(getattr(settings, "STEWARD_CHANGES_MAX_PATHS", 200))


def gate_retry_seconds() -> int:
    """Retry-After of a gate that says wait, unless the window's start is sooner."""
    return int(getattr(settings, "STEWARD_CHANGES_GATE_RETRY_SECONDS", 10))


def review_business_days() -> int:
    """Days of the owner team's business time an emergency change's review is due in."""
    return int(getattr(settings, "STEWARD_CHANGES_REVIEW_BUSINESS_DAYS", 5))


def history_cache_seconds() -> int:
    """How long the 30-day history a score reads (changes and failure rate per set of services) is reused before
    it is counted again; an outcome recorded on a service drops it at once (in the process that recorded it, or
    everywhere with a shared cache)."""
    return int(getattr(settings, "STEWARD_CHANGES_HISTORY_CACHE_SECONDS", 60))
