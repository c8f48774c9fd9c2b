"""Absolute links, always from settings.SITE_URL (emails, seed output, API answers): never from the Host header
of whichever request happens to build them. ``make run ADDRPORT=…`` sets SITE_URL to match the server."""

from django.conf import settings


def site_url(path: str = "/") -> str:
    """``path`` (e.g. a ``get_absolute_url()``) as an absolute link on the portal's public address."""
    return str(settings.SITE_URL).rstrip("/") + "/" + path.lstrip("/")
