"""Staff's choices about a customer: its profile chosen explicitly, a scenario of its
own (exclusions from automation are in ``usecases.exclusions``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from encaisse.bus.uow import UnitOfWork
from encaisse.kit.failures import DomainError
from encaisse.scheduler.repository import customers, tenants
from encaisse.scheduler.usecases.context import context, replan
from encaisse.scheduler.usecases.profiles import choice_for, scenario_for

if TYPE_CHECKING:
    from encaisse.scheduler.app import SchedulerParts


async def choose_profile(
    parts: SchedulerParts, uow: UnitOfWork, tenant: str, customer_ref: str, explicit: str | None
) -> None:
    """Choose the customer's profile explicitly (None: back to the rules); its live
    invoices follow the profile's scenario from their next step on (unless the customer
    has a scenario of its own)."""
    await parts.tenants.ensure(tenant)
    row = await customers.lock(uow.session, tenant, customer_ref)
    rules = await parts.tenants.rules(uow.session, tenant)
    if explicit is not None and rules.profile(explicit) is None:
        raise DomainError("profile", f"no profile {explicit!r}")
    choice = await choice_for(uow.session, row, rules, explicit_profile=explicit)
    await customers.change(
        uow.session,
        tenant,
        customer_ref,
        explicit_profile=explicit,
        profile=choice.profile,
        rule_scenario=choice.scenario,
    )
    await _follow(parts, uow, tenant, customer_ref, scenario_for(row, rules, choice))


async def choose_scenario(
    parts: SchedulerParts, uow: UnitOfWork, tenant: str, customer_ref: str, own: str | None
) -> None:
    """The customer's own scenario (the bespoke procedure of a key account), over its rule's
    and its profile's; None: back to them. Its live invoices follow it from their next
    step on."""
    await parts.tenants.ensure(tenant)
    await customers.lock(uow.session, tenant, customer_ref)
    rules = await parts.tenants.rules(uow.session, tenant)
    live = await tenants.scenarios(uow.session, tenant)
    if own is not None and own not in live:
        raise DomainError("scenario", f"no scenario {own!r}")
    await customers.change(uow.session, tenant, customer_ref, own_scenario=own)
    row = await customers.lock(uow.session, tenant, customer_ref)
    await _follow(parts, uow, tenant, customer_ref, scenario_for(row, rules))


async def _follow(
    parts: SchedulerParts, uow: UnitOfWork, tenant: str, customer_ref: str, scenario: str
) -> None:
    await customers.follow_scenario(uow.session, tenant, customer_ref, scenario)
    ctx = await context(parts, uow, tenant, customer_ref)
    await replan(ctx)
    await ctx.refresh()
