"""Which channel can reach a customer, and where to turn when one fails."""

from __future__ import annotations

from dataclasses import dataclass

from encaisse.scheduler.domain.scenarios import Channel


@dataclass(frozen=True)
class Customer:
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

    channel: Channel | None
    reason: str = ""
    complete_record: bool = False


def route(channel: Channel, customer: Customer) -> Route:
    """A customer with no email gets the letter and call path; no address or phone: a task."""
    if channel is Channel.EMAIL:
        if customer.reachable_by_email:
            return Route(channel)
        return Route(None, "email address invalid" if customer.email else "no email address")
    if channel is Channel.SMS:
        return Route(channel) if customer.reachable_by_phone else Route(None, "no valid phone")
    if channel is Channel.CALL:
        if customer.reachable_by_phone:
            return Route(channel)
        return Route(None, "no valid phone number", complete_record=True)
    if channel in (Channel.LETTER, Channel.REGISTERED_LETTER):
        if customer.reachable_by_post:
            return Route(channel)
        return Route(None, "no valid postal address", complete_record=True)
    return Route(channel)


FALLBACKS: dict[Channel, tuple[Channel, ...]] = {
    Channel.EMAIL: (Channel.LETTER, Channel.SMS, Channel.CALL),
    Channel.SMS: (Channel.EMAIL, Channel.LETTER, Channel.CALL),
    Channel.LETTER: (Channel.EMAIL, Channel.SMS, Channel.CALL),
    Channel.REGISTERED_LETTER: (Channel.EMAIL, Channel.CALL),
    Channel.CALL: (Channel.EMAIL, Channel.LETTER),
}


# Before the due date nothing is late: what replaces a courtesy reminder stays a
# courtesy (an email or an SMS, whose templates say "soon due"); a letter or a call,
# whose words are those of arrears, waits for the steps after the due date.
COURTESY_CHANNELS = frozenset({Channel.EMAIL, Channel.SMS})


def fallback(failed: Channel, customer: Customer, *, before_due: bool = False) -> Channel | None:
    """The next available channel after a delivery failure on ``failed``; before the due
    date of every invoice concerned, only one that can carry a courtesy reminder."""
    for channel in FALLBACKS.get(failed, ()):
        if before_due and channel not in COURTESY_CHANNELS:
            continue
        if route(channel, customer).channel is channel:
            return channel
    return None
