"""Optimistic concurrency over HTTP: GET answers ``ETag: "<version>"``, writes may send it back as If-Match.

If-Match is optional: without it the last write wins (per field, for PATCH). With it, the write happens only
while the object is still at that version (else the view answers 409, apps.core.api.exceptions.Conflict).
"""

from __future__ import annotations

import re

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api.exceptions import PreconditionFailed

ETAG = re.compile(r'^(?:W/)?"(\d{1,9})"$|^(\d{1,9})$')

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description='The ETag from GET, e.g. "3": the write only happens if the object is still at that version.',
    pattern=r'^"[0-9]{1,9}"$',
)


def expected_version(request: Request) -> int | None:
    """The version named by If-Match; None when absent or ``*``; 412 when it is not a version ETag."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    match = ETAG.match(header.strip())
    if match is None:
        raise PreconditionFailed()
    return int(match.group(1) or match.group(2))


def with_etag(response: Response, version: int) -> Response:
    response["ETag"] = f'"{version}"'
    return response
