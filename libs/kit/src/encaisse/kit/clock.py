"""The service's one clock: every reading of the time in a service goes through it.

A service holds one ``Clock`` in its runtime (``Runtime.clock``); nothing else calls
``datetime.now()`` or ``date.today()``, so a test or a simulation sets the time in one
place. The scheduler's simulated clock (stored in its database, shared by its instances)
reads the wall time from this one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime:
        """Timezone-aware, in UTC."""
        ...


class SystemClock:
    """The wall clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class SettableClock:
    """The wall clock until ``set`` (tests, the development simulation); then that time,
    which stands still until set again."""

    def __init__(self, at: datetime | None = None) -> None:
        self._at = at

    def set(self, at: datetime | None) -> None:
        if at is not None and at.tzinfo is None:
            raise ValueError("a clock is set to a timezone-aware time")
        self._at = at

    def now(self) -> datetime:
        return datetime.now(UTC) if self._at is None else self._at.astimezone(UTC)


def today(clock: Clock, zone: str = "Europe/Paris") -> date:
    """The calendar day ``clock`` reads in ``zone`` (a business day, not UTC's)."""
    return clock.now().astimezone(ZoneInfo(zone)).date()
