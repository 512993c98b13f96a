"""Contact pressure: how often one customer may be reached, whatever the dunning mode.

A contact is a client-facing act on a day: a message on a channel (email, SMS, letter,
registered letter, portal notice) or a call task. Replies to the debtor's own acts
(dispute or promise acknowledged) and thank-yous are not contacts: they are never
recorded here.

- at most ``Policy.contacts_per_week`` contacts in any 7 consecutive days;
- per customer (``per_customer``), a minimum gap (``Policy.min_gap_days``) between two;
- never two registered letters within ``REGISTERED_LETTER_DAYS`` unless a person
  approves the second one in the validation queue.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from encaisse.scheduler.domain.scenarios import REGISTERED_LETTER_DAYS, Means, Policy

WEEK = 7
# The channels a contact is counted on (a call task is one: the collector calls).
CONTACT_CHANNELS = frozenset(
    {
        Means.EMAIL,
        Means.SMS,
        Means.LETTER,
        Means.REGISTERED_LETTER,
        Means.PORTAL_NOTICE,
        Means.CALL,
    }
)


@dataclass(frozen=True)
class Contact:
    day: date
    channel: Means


@dataclass(frozen=True)
class History:
    """The customer's contacts of the last ``REGISTERED_LETTER_DAYS`` days (and today's)."""

    contacts: tuple[Contact, ...] = ()

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, date]]) -> History:
        kept = (Contact(d, Means(c)) for c, d in pairs if Means(c) in CONTACT_CHANNELS)
        return cls(tuple(sorted(kept, key=lambda c: (c.day, c.channel.value))))

    def days(self) -> list[date]:
        return sorted({c.day for c in self.contacts})

    def last_day(self) -> date | None:
        days = self.days()
        return days[-1] if days else None

    def in_week(self, day: date) -> list[Contact]:
        """Contacts in the 7 days ending on ``day``."""
        since = day - timedelta(days=WEEK - 1)
        return [c for c in self.contacts if since <= c.day <= day]

    def used_on(self, day: date) -> frozenset[Means]:
        return frozenset(c.channel for c in self.contacts if c.day == day)

    def registered_since(self, day: date) -> date | None:
        """The last registered letter within ``REGISTERED_LETTER_DAYS`` before ``day``."""
        since = day - timedelta(days=REGISTERED_LETTER_DAYS - 1)
        found = [
            c.day
            for c in self.contacts
            if c.channel is Means.REGISTERED_LETTER and since <= c.day <= day
        ]
        return max(found) if found else None

    def with_contact(self, day: date, channel: Means) -> History:
        return History((*self.contacts, Contact(day, channel)))


def room_left(history: History, policy: Policy, day: date) -> int:
    """How many more contacts ``day`` can take under the weekly cap."""
    return max(0, policy.contacts_per_week - len(history.in_week(day)))


def cap_frees_on(history: History, policy: Policy, day: date) -> date:
    """The first day from ``day`` on that the weekly cap allows one more contact."""
    probe = day
    while room_left(history, policy, probe) == 0:
        probe += timedelta(days=1)
    return probe


def gap_ends_on(history: History, policy: Policy) -> date | None:
    """The first day the minimum gap since the last contact allows another (None: now)."""
    last = history.last_day()
    return None if last is None else last + timedelta(days=policy.min_gap_days)


def earliest_contact(history: History, policy: Policy, day: date, *, gap: bool) -> date:
    """The first day from ``day`` on that a contact is allowed (the cap, and the gap when
    ``gap``)."""
    probe = day
    if gap:
        ends = gap_ends_on(history, policy)
        if ends is not None and ends > probe:
            probe = ends
    return cap_frees_on(history, policy, probe)
