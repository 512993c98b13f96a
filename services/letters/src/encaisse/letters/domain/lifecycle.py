"""A letter's states and what a provider's event does to them.

ready (PDF stored, not yet with the provider) -> submitted -> posted ->
delivered | returned; failed from ready (address, provider rejection),
submitted (the provider could not post it) or posted (lost on the way).
Delivered, returned and failed are final. Each change others must know (posted,
delivered, returned, failed) publishes exactly one event. Other steps a provider
reports (accepted, in transit, notice left...) change nothing.
"""

from __future__ import annotations

READY, SUBMITTED, POSTED = "ready", "submitted", "posted"
DELIVERED, RETURNED, FAILED = "delivered", "returned", "failed"
FINAL = frozenset({DELIVERED, RETURNED, FAILED})
TRACKED = (SUBMITTED, POSTED)

_MOVES = {
    (SUBMITTED, "posted"): POSTED,
    (SUBMITTED, "failed"): FAILED,
    (POSTED, "failed"): FAILED,
    (POSTED, "delivered"): DELIVERED,
    (POSTED, "returned"): RETURNED,
}

_CHANGES = frozenset(kind for _, kind in _MOVES)


class UnexpectedEvent(ValueError):
    """The provider reports a step that cannot follow the letter's state."""


def after(status: str, event_type: str) -> str | None:
    """The state after a provider event, None when it changes nothing (``accepted``)."""
    if event_type not in _CHANGES:
        return None
    try:
        return _MOVES[(status, event_type)]
    except KeyError:
        raise UnexpectedEvent(f"a {event_type!r} event cannot follow {status!r}") from None
