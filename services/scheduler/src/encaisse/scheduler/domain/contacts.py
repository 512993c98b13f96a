"""Which channel can reach a customer, and where to turn when one fails."""

from __future__ import annotations

from dataclasses import dataclass

from encaisse.scheduler.domain.scenarios import Means


@dataclass(frozen=True)
class Contacts:
    """How to reach a customer (its contact details and whether each is valid), with
    what its calendar needs; the customer's record itself is the ledger's."""

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

    @property
    def reachable_by_email(self) -> bool:
        return bool(self.email) and self.email_ok

    @property
    def reachable_by_phone(self) -> bool:
        return bool(self.phone) and self.phone_ok

    @property
    def reachable_by_post(self) -> bool:
        return self.has_address and self.address_ok


@dataclass(frozen=True)
class Route:
    """Where a step goes: a channel, or none with the reason (and whether to ask for a record)."""

    channel: Means | None
    reason: str = ""
    complete_record: bool = False


def route(channel: Means, customer: Contacts) -> Route:
    """A customer with no email gets the letter and call path; no address or phone: a task."""
    if channel is Means.EMAIL:
        if customer.reachable_by_email:
            return Route(channel)
        return Route(None, "email address invalid" if customer.email else "no email address")
    if channel is Means.SMS:
        return Route(channel) if customer.reachable_by_phone else Route(None, "no valid phone")
    if channel is Means.CALL:
        if customer.reachable_by_phone:
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
