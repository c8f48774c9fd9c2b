"""The gate's own per-token bucket: pipelines poll it, so it must not share (or drain) the general API rate."""

from typing import Any

from django.conf import settings

from apps.core.api.throttling import TokenRateThrottle


class GateRateThrottle(TokenRateThrottle):
    """Counted per token, never per address (pipelines share NAT addresses); STEWARD_CHANGES_GATE_THROTTLE."""

    scope = "changes_gate"

    def get_rate(self) -> Any:
        return getattr(settings, "STEWARD_CHANGES_GATE_THROTTLE", "1200/minute")
