"""Which channel can reach a customer, whom a step addresses, and where to turn when one
fails.

Whom: the person with the step's role (``Step.role``: the firmer steps address the finance
director) when that person has a usable email (a phone for an SMS or a call); else the
billing contact, the customer's own email and phone; else the dunning contact a collector
collected on a call. So a customer whose billing email is missing or bounced but whose
dunning contact has one is reachable by email. Usable: given, not marked wrong by a
bounce or a wrong number, and of a plausible shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from encaisse.scheduler.domain.scenarios import Means

BILLING = "billing"
DUNNING = "dunning"

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+").fullmatch
_PHONE = re.compile(r"\+[1-9][0-9]{6,14}").fullmatch


@dataclass(frozen=True)
class Person:
    """Someone to reach at a customer, under a role (``billing``: the customer itself)."""

    role: str
    name: str | None = None
    email: str | None = None
    email_ok: bool = True
    phone: str | None = None
    phone_ok: bool = True
    hours: str | None = None  # when to reach them, as a collector reads it
    preferred_channel: str | None = None

    @property
    def emailable(self) -> bool:
        return bool(self.email) and self.email_ok and bool(_EMAIL(self.email or ""))

    @property
    def callable(self) -> bool:
        return bool(self.phone) and self.phone_ok and bool(_PHONE(self.phone or ""))

    def reaches(self, channel: Means) -> bool:
        """Whether this person has what ``channel`` needs (an email, or a phone)."""
        if channel is Means.EMAIL:
            return self.emailable
        if channel in PHONE_CHANNELS:
            return self.callable
        return False


def keep_flags(people: tuple[Person, ...], before: tuple[Person, ...]) -> tuple[Person, ...]:
    """The ledger's people, each keeping what a bounce or a wrong number taught about its
    email or phone when that has not changed (a changed contact is worth trying again)."""
    known = {p.role: p for p in before}
    kept = []
    for person in people:
        old = known.get(person.role)
        if old is not None:
            email_ok = old.email_ok if old.email == person.email else True
            phone_ok = old.phone_ok if old.phone == person.phone else True
            person = replace(person, email_ok=email_ok, phone_ok=phone_ok)
        kept.append(person)
    return tuple(kept)


def mark_wrong(
    customer: Contacts, channel: Means, address: str | None
) -> tuple[tuple[Person, ...], bool]:
    """After a failure on ``channel`` reported for ``address``: the people, those with that
    email (or phone) marked wrong, and whether the billing contact's is wrong too (it is
    when it has that address, or when the failure names none: a letter, a call)."""
    if channel not in PERSONAL_CHANNELS or not address:
        return customer.people, True
    email = channel is Means.EMAIL
    people = tuple(
        (replace(p, email_ok=False) if email else replace(p, phone_ok=False))
        if (p.email if email else p.phone) == address
        else p
        for p in customer.people
    )
    someone = any((p.email if email else p.phone) == address for p in people)
    return people, (customer.email if email else customer.phone) == address or not someone


# the channels addressed to a person rather than to the customer's postal address
PHONE_CHANNELS = frozenset({Means.SMS, Means.CALL})
PERSONAL_CHANNELS = PHONE_CHANNELS | {Means.EMAIL}


@dataclass(frozen=True)
class Contacts:
    """How to reach a customer (its contact details and whether each is valid; the people
    with roles, the dunning contact among them), with what its calendar needs; the
    customer's record itself is the ledger's."""

    customer_ref: str
    name: str = ""
    language: str = "fr"
    timezone: str = "Europe/Paris"
    country: str = "FR"
    segment: str = "sme"
    email: str | None = None
    email_ok: bool = True
    phone: str | None = None
    phone_ok: bool = True
    has_address: bool = False
    address_ok: bool = True
    sales_rep_email: str | None = None
    excluded: bool = False
    people: tuple[Person, ...] = ()

    @property
    def billing(self) -> Person:
        """The customer's own email and phone, as a person."""
        return Person(
            BILLING,
            name=self.name or None,
            email=self.email,
            email_ok=self.email_ok,
            phone=self.phone,
            phone_ok=self.phone_ok,
        )

    def person(self, role: str) -> Person | None:
        """The person with ``role`` (``billing``: the customer's own contact)."""
        if role == BILLING:
            return self.billing
        return next((p for p in self.people if p.role == role), None)

    @property
    def reachable_by_email(self) -> bool:
        """By the billing contact or the dunning contact (what a step without a role, a
        thank-you or an acknowledgement uses)."""
        return recipient(Means.EMAIL, self) is not None

    @property
    def reachable_by_phone(self) -> bool:
        return recipient(Means.SMS, self) is not None

    @property
    def reachable_by_post(self) -> bool:
        return self.has_address and self.address_ok


@dataclass(frozen=True)
class Route:
    """Where a step goes: a channel, or none with the reason (and whether to ask for a record)."""

    channel: Means | None
    reason: str = ""
    complete_record: bool = False


def recipient(channel: Means, customer: Contacts, role: str | None = None) -> Person | None:
    """Whom a step on ``channel`` addressing ``role`` goes to: the person with that role
    when it has what the channel needs, else the billing contact, else the dunning
    contact; None when no one can be reached so (or for a channel that is no person's:
    a letter goes to the customer's address)."""
    if channel not in PERSONAL_CHANNELS:
        return None
    for candidate in dict.fromkeys((role or BILLING, BILLING, DUNNING)):
        person = customer.person(candidate)
        if person is not None and person.reaches(channel):
            return person
    return None


def route(channel: Means, customer: Contacts, role: str | None = None) -> Route:
    """A customer with no email gets the letter and call path; no address or phone: a task.
    ``role``: the step's (``recipient``), whose person may have an email the billing
    contact lacks."""
    if channel is Means.EMAIL:
        if recipient(channel, customer, role) is not None:
            return Route(channel)
        return Route(None, "email address invalid" if customer.email else "no email address")
    if channel is Means.SMS:
        if recipient(channel, customer, role) is not None:
            return Route(channel)
        return Route(None, "no valid phone")
    if channel is Means.CALL:
        if recipient(channel, customer, role) is not None:
            return Route(channel)
        return Route(None, "no valid phone number", complete_record=True)
    if channel in (Means.LETTER, Means.REGISTERED_LETTER):
        if customer.reachable_by_post:
            return Route(channel)
        return Route(None, "no valid postal address", complete_record=True)
    return Route(channel)


FALLBACKS: dict[Means, tuple[Means, ...]] = {
    Means.EMAIL: (Means.LETTER, Means.SMS, Means.CALL),
    Means.SMS: (Means.EMAIL, Means.LETTER, Means.CALL),
    Means.LETTER: (Means.EMAIL, Means.SMS, Means.CALL),
    Means.REGISTERED_LETTER: (Means.EMAIL, Means.CALL),
    Means.CALL: (Means.EMAIL, Means.LETTER),
}


# Before the due date nothing is late: what replaces a courtesy reminder stays a
# courtesy (an email or an SMS, whose templates say "soon due"); a letter or a call,
# whose words are those of arrears, waits for the steps after the due date.
COURTESY_CHANNELS = frozenset({Means.EMAIL, Means.SMS})


def fallback(failed: Means, customer: Contacts, *, before_due: bool = False) -> Means | None:
    """The next available channel after a delivery failure on ``failed``; before the due
    date of every invoice concerned, only one that can carry a courtesy reminder."""
    for channel in FALLBACKS.get(failed, ()):
        if before_due and channel not in COURTESY_CHANNELS:
            continue
        if route(channel, customer).channel is channel:
            return channel
    return None
