"""A letter's states and what a provider's event does to them.

ready (PDF stored, not yet with the provider) -> submitted -> posted ->
delivered | returned; failed from ready (address, provider rejection),
submitted (the provider could not post it) or posted (lost on the way).
Delivered, returned and failed are final. Each change others must know (posted,
delivered, returned, failed) publishes exactly one event. Other steps a provider
reports (accepted, in transit, notice left...) change nothing.

A simple letter's life with the provider ends when it is posted: nothing follows a
posting the provider can tell (no receipt, no tracked return), so a posted simple
letter is no longer followed. A registered letter is followed until delivered or
returned. Polls that find nothing new back off (``next_poll_delay``); a provider's
webhook still has a letter followed at once.
"""

from __future__ import annotations

READY, SUBMITTED, POSTED = "ready", "submitted", "posted"
DELIVERED, RETURNED, FAILED = "delivered", "returned", "failed"
FINAL = frozenset({DELIVERED, RETURNED, FAILED})
REGISTERED = "registered"

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


def followed(kind: str, status: str) -> bool:
    """Whether the provider can still tell something new about a letter in this state."""
    return status == SUBMITTED or (status == POSTED and kind == REGISTERED)


def next_poll_delay(unchanged_polls: int, *, first: float, longest: float) -> float:
    """Seconds before the next poll of a sending: ``first`` after a change, doubling with
    each poll that found nothing new, never more than ``longest``."""
    return float(min(longest, first * 2 ** min(unchanged_polls, 30)))
