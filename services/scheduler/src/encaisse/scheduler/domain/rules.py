"""Profile rules: which profile (and possibly which scenario) a customer follows.

A tenant keeps an ordered list of rules; the first whose every condition holds for the
customer wins. A condition left empty holds for everyone. The conditions are the ones
credit teams choose profiles by: segment, country (one or a list, or simply "abroad":
not the tenant's country), payment method, risk class, and the outstanding amount. The
outstanding amount is the customer's open balance *in the rule's currency* (a customer
owing 40,000 EUR and 20,000 USD owes 40,000 in EUR terms for a EUR rule, never 60,000):
currencies are never summed.

Before any rule, the customer's explicit profile (chosen by staff) wins; a rule may name a
scenario that overrides its profile's; with no rule matching, the customer gets the
standard profile. ``DEFAULT_RULES`` reproduce the choice made before rules existed
(abroad -> export, then the profile listing the segment), plus a high risk class -> risky.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from encaisse.scheduler.domain.defaults import (
    DEFAULT_PROFILE,
    DEFAULT_PROFILES,
    EXPORT_PROFILE,
    RISKY_PROFILE,
)
from encaisse.scheduler.domain.scenarios import InvalidScenario, Profile


@dataclass(frozen=True)
class Outstanding:
    """The customer's open balance in ``currency`` is at least ``minimum`` and at most
    ``maximum`` (either may be left open)."""

    currency: str
    minimum: Decimal | None = None
    maximum: Decimal | None = None

    def __post_init__(self) -> None:
        if self.minimum is None and self.maximum is None:
            raise InvalidScenario("outstanding", "give a minimum, a maximum or both")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise InvalidScenario("outstanding", "the minimum is above the maximum")

    def holds(self, balances: Mapping[str, Decimal]) -> bool:
        owed = balances.get(self.currency, Decimal(0))
        if self.minimum is not None and owed < self.minimum:
            return False
        return self.maximum is None or owed <= self.maximum


@dataclass(frozen=True)
class Customer:
    """What the rules look at."""

    segment: str
    country: str
    payment_method: str | None = None
    risk_class: str | None = None


@dataclass(frozen=True)
class ProfileRule:
    """Conditions (empty: any), the profile they lead to, and optionally a scenario that
    overrides the profile's."""

    profile: str
    scenario: str | None = None
    segments: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    abroad: bool | None = None  # True: not the tenant's country; False: the tenant's
    payment_methods: tuple[str, ...] = ()
    risk_classes: tuple[str, ...] = ()
    outstanding: Outstanding | None = None

    def matches(
        self, customer: Customer, tenant_country: str, balances: Mapping[str, Decimal]
    ) -> bool:
        return (
            _among(customer.segment, self.segments)
            and _among(customer.country, self.countries)
            and (self.abroad is None or self.abroad == (customer.country != tenant_country))
            and _among(customer.payment_method, self.payment_methods)
            and _among(customer.risk_class, self.risk_classes)
            and (self.outstanding is None or self.outstanding.holds(balances))
        )


def _among(value: str | None, allowed: tuple[str, ...]) -> bool:
    return not allowed or value in allowed


@dataclass(frozen=True)
class Choice:
    profile: str
    scenario: str | None = None  # a rule's scenario, over the profile's


def choose(
    *,
    explicit: str | None,
    customer: Customer,
    tenant_country: str,
    rules: tuple[ProfileRule, ...],
    profiles: tuple[Profile, ...],
    balances: Mapping[str, Decimal] | None = None,
) -> Choice:
    """The explicit profile first; else the first rule that holds (and names a profile
    that exists); else the standard profile (or the first one, a tenant without it)."""
    codes = {p.code for p in profiles}
    if explicit and explicit in codes:
        return Choice(explicit)
    for rule in rules:
        if rule.profile in codes and rule.matches(customer, tenant_country, balances or {}):
            return Choice(rule.profile, rule.scenario)
    return Choice(DEFAULT_PROFILE if DEFAULT_PROFILE in codes or not profiles else profiles[0].code)


def uses_amounts(rules: tuple[ProfileRule, ...]) -> bool:
    """Whether choosing needs the customer's open balances (a query the others skip)."""
    return any(r.outstanding is not None for r in rules)


def default_rules(profiles: tuple[Profile, ...] = DEFAULT_PROFILES) -> tuple[ProfileRule, ...]:
    """A high risk class -> risky; abroad -> export; then each profile for its segments."""
    return (
        ProfileRule(RISKY_PROFILE, risk_classes=("high",)),
        ProfileRule(EXPORT_PROFILE, abroad=True),
        *(ProfileRule(p.code, segments=p.segments) for p in profiles if p.segments),
    )


DEFAULT_RULES = default_rules()
