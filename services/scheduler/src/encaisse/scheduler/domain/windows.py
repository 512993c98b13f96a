"""Sending windows: days of the week, hours, and the public holidays of the customer's country.

Everything is computed in the customer's time zone; the result is an aware
datetime. Holidays come from the ``holidays`` package; a country it does not
know has none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

MAX_SEARCH_DAYS = 60


@dataclass(frozen=True)
class SendingWindow:
    weekdays: frozenset[int] = field(default_factory=lambda: frozenset(range(5)))  # Monday = 0
    start: time = time(9, 0)
    end: time = time(18, 0)
    skip_holidays: bool = True

    def __post_init__(self) -> None:
        if not self.weekdays or not self.weekdays <= set(range(7)):
            raise ValueError("weekdays: give at least one day, Monday = 0 to Sunday = 6")
        if self.start >= self.end:
            raise ValueError("start must come before end")


@lru_cache(maxsize=512)
def _holidays(country: str, year: int) -> frozenset[date]:
    try:
        return frozenset(holidays.country_holidays(country, years=year).keys())
    except NotImplementedError:
        return frozenset()


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def is_open_day(day: date, window: SendingWindow, country: str) -> bool:
    if day.weekday() not in window.weekdays:
        return False
    return not (window.skip_holidays and day in _holidays(country, day.year))


def next_open_slot(when: datetime, window: SendingWindow, tz: str, country: str) -> datetime:
    """The first instant at or after ``when`` inside the window, as an aware UTC datetime."""
    zone = _zone(tz)
    local = when.astimezone(zone)
    for i in range(MAX_SEARCH_DAYS):
        day = local.date() + timedelta(days=i)
        if not is_open_day(day, window, country):
            continue
        start = datetime.combine(day, window.start, zone)
        end = datetime.combine(day, window.end, zone)
        if i == 0 and local >= end:
            continue
        return max(start, local).astimezone(UTC) if i == 0 else start.astimezone(UTC)
    raise ValueError("the sending window never opens")


@lru_cache(maxsize=200_000)
def slot_on_or_after(day: date, window: SendingWindow, tz: str, country: str) -> datetime:
    """When a step planned for ``day`` (local) can leave: the window's first open slot from it."""
    return next_open_slot(datetime.combine(day, time(0), _zone(tz)), window, tz, country)


def next_open_day(day: date, window: SendingWindow, country: str) -> date:
    """The first open day strictly after ``day`` (a call "the next working day")."""
    for i in range(1, MAX_SEARCH_DAYS):
        candidate = day + timedelta(days=i)
        if is_open_day(candidate, window, country):
            return candidate
    raise ValueError("the sending window never opens")


def local_day(when: datetime, tz: str) -> date:
    return when.astimezone(_zone(tz)).date()
