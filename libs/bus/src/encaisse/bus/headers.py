"""Our own AMQP headers (not ``x-death``, which the broker rewrites on its own terms)."""

from collections.abc import Mapping
from typing import Any

ATTEMPT = "x-encaisse-attempt"
LAST_ERROR = "x-encaisse-last-error"
ERROR = "x-encaisse-error"
REASON = "x-encaisse-dead-reason"
QUEUE = "x-encaisse-queue"
DEAD_AT = "x-encaisse-dead-at"
ORIGINAL_EXCHANGE = "x-encaisse-original-exchange"
ORIGINAL_ROUTING_KEY = "x-encaisse-original-routing-key"
MAX_ERROR = 8_000


def attempt(headers: Mapping[str, Any] | None) -> int:
    """This delivery's attempt number, 1 for the first."""
    try:
        return max(1, int((headers or {}).get(ATTEMPT, 1)))
    except (TypeError, ValueError):
        return 1
