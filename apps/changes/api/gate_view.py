"""``GET /api/v1/changes/{number}/gate/``: go, wait or no-go for deploying now, with the reasons.

Pipelines poll this URL, so its usual answer skips DRF's per-call machinery (the request wrapper, content
negotiation, the renderer: about a fifth of a poll's Python time) while running the same checks as DRF would, in
the same order: the token (or the session), the ``changes`` scope, the change's visibility, then the gate's own
per-token bucket. A token this process authenticated in the last minute costs no query of its own: the change's
query checks it (not revoked, not expired, its user active), so those still take effect on the next poll.

Whenever a check says no, or anything else is unusual, the call goes through DRF's own dispatch instead, which
answers the refusal exactly as every other endpoint does (401, 403, 404, 429 with Retry-After). The schema
documents ``get``, which that dispatch runs and which shares the answer with the lean path.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api.permissions import HasScope
from apps.accounts.authentication import ApiTokenAuthentication, RememberedTokens
from apps.accounts.http import signed_in_user
from apps.accounts.models import ApiToken, User
from apps.changes import gate, services
from apps.changes.api.serializers import GateSerializer
from apps.changes.api.throttling import GateRateThrottle
from apps.changes.api.views import ERRORS, NUMBER
from apps.changes.choices import GateDecision
from apps.changes.models import Change
from apps.changes.permissions import get_change_for_gate
from apps.core.api.throttling import UserRateThrottle

logger = logging.getLogger(__name__)
SCOPE = "changes"
# Pipelines poll with the same token for minutes: its query is skipped for a minute, its validity still checked.
REMEMBERED = RememberedTokens(ApiToken, seconds=60)


def gate_answer(change: Change) -> tuple[dict[str, Any], int | None]:
    """The gate's body for ``change`` and its Retry-After (None unless waiting); remembers the first go."""
    try:
        answer = gate.gate_decide(change)
    except Exception:  # fail closed: whatever went wrong, the pipeline waits and a person can look
        logger.exception("gate failed for %s", change.number)
        answer = gate.GateAnswer(GateDecision.WAIT, ["The gate could not decide; it will retry."], 30)
    if answer.decision == GateDecision.GO:
        services.change_gate_went(change=change)
    body = {
        "decision": answer.decision,
        "reasons": answer.reasons,
        "tier": change.tier,
        "score": change.risk_score,
        "policy_version": change.policy_version,
        "rules_fired": change.rules_fired,
        "change_url": settings.SITE_URL.rstrip("/") + change.get_absolute_url(),
    }
    return body, answer.retry_after


class _Caller:
    """What the throttles read of a DRF request (the credential, the user and the Django request), and the token
    still to check when it came from REMEMBERED."""

    def __init__(
        self, request: HttpRequest, user: User, token: ApiToken | None, *, key: str = "", unchecked: bool = False
    ) -> None:
        self.auth, self.user, self._request, self.key = token, user, request, key
        self.unchecked_token_id = token.pk if token is not None and unchecked else None


class GateView(APIView):
    permission_classes = [IsAuthenticated, HasScope(SCOPE)]
    throttle_classes = [GateRateThrottle, UserRateThrottle]
    renderer_classes = [JSONRenderer]  # JSON only: nothing to negotiate

    @extend_schema(
        operation_id="changes_gate_retrieve",
        parameters=[NUMBER],
        responses={200: GateSerializer, **{code: ERRORS[code] for code in (401, 403, 404)}},
    )
    def get(self, request: Request, number: str) -> Response:
        """go, wait or no-go for deploying now, with the reasons; ``Retry-After`` on wait."""
        change = get_change_for_gate(signed_in_user(request), number)
        self.check_object_permissions(request, change)
        body, retry_after = gate_answer(change)
        response = Response(body)
        if retry_after is not None:
            response["Retry-After"] = str(retry_after)
        return response

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.method == "GET":
            answered = self._lean(request, kwargs.get("number", ""))
            if answered is not None:
                return answered
        return super().dispatch(request, *args, **kwargs)

    def _lean(self, request: HttpRequest, number: str) -> HttpResponse | None:
        """The answer when every check passes; None sends the call through DRF (see the module docstring)."""
        try:
            caller = self._caller(request)
            if caller is None:
                return None
            change = get_change_for_gate(caller.user, number, token_id=caller.unchecked_token_id)
        except (exceptions.APIException, Http404):
            return None
        if caller.unchecked_token_id is not None and not getattr(change, "token_valid", False):
            REMEMBERED.forget(caller.key)  # revoked, expired or its user deactivated: DRF answers 401
            return None
        throttles = [throttle() for throttle in self.throttle_classes]
        if not all(throttle.allow_request(caller, self) for throttle in throttles):  # type: ignore[arg-type]
            return None  # refused calls are not counted: DRF refuses it again, with Retry-After
        body, retry_after = gate_answer(change)
        response = HttpResponse(orjson.dumps(body), content_type="application/json")
        response["Allow"] = "GET, HEAD, OPTIONS"
        if retry_after is not None:
            response["Retry-After"] = str(retry_after)
        return response

    @staticmethod
    def _caller(request: HttpRequest) -> _Caller | None:
        """A token with the scope, or a signed-in session (GET: no CSRF to check); None for anything else.

        A token authenticated by this process in the last minute is taken from REMEMBERED without its query, and
        checked instead in the change's own query (``unchecked_token_id``)."""
        key = ApiTokenAuthentication.key_from(request)
        if key is not None:
            remembered = REMEMBERED.get(key)
            if remembered is None:
                user, token = ApiTokenAuthentication().authenticate_key(key)
                REMEMBERED.remember(key, token)
            else:
                user, token = remembered.user, remembered
            if SCOPE not in (token.scopes or []):
                return None
            return _Caller(request, user, token, key=key, unchecked=remembered is not None)
        user = getattr(request, "user", None)
        if isinstance(user, User) and user.is_active:
            return _Caller(request, user, None)
        return None
