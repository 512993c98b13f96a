"""Staff's choices about a customer: excluded from automation (or one invoice), its
profile chosen explicitly, a scenario of its own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from encaisse.bus.uow import UnitOfWork
from encaisse.kit.failures import DomainError, NotFound
from encaisse.scheduler.repository import cases, customers, tenants, timeline, tracks
from encaisse.scheduler.repository.rows import timeline_row
from encaisse.scheduler.usecases.context import context, replan
from encaisse.scheduler.usecases.profiles import choice_for, scenario_for

if TYPE_CHECKING:
    from encaisse.scheduler.app import SchedulerParts


async def exclude_customer(
    parts: SchedulerParts, uow: UnitOfWork, tenant: str, customer_ref: str, excluded: bool, by: str
) -> None:
    """An excluded customer gets nothing until included again (a later ledger change may too)."""
    await parts.tenants.ensure(tenant)
    now = await parts.clock.now(uow.session)
    await customers.lock(uow.session, tenant, customer_ref)
    await customers.change(uow.session, tenant, customer_ref, excluded=excluded)
    await timeline.add(
        uow.session,
        [
            timeline_row(
                tenant,
                customer_ref,
                None,
                now,
                "excluded" if excluded else "included",
                [],
                detail=f"by {by}",
            )
        ],
    )
    for event in await cases.refresh_cases(uow.session, [(tenant, customer_ref)], now):
        await uow.publish(event, event.case_id)


async def exclude_invoice(
    parts: SchedulerParts,
    uow: UnitOfWork,
    tenant: str,
    customer_ref: str,
    invoice_number: str,
    excluded: bool,
    by: str,
) -> None:
    await parts.tenants.ensure(tenant)
    now = await parts.clock.now(uow.session)
    await customers.lock(uow.session, tenant, customer_ref)
    if not await tracks.set_excluded(uow.session, tenant, customer_ref, invoice_number, excluded):
        raise NotFound("invoice_number", f"no invoice {invoice_number} for {customer_ref}")
    await timeline.add(
        uow.session,
        [
            timeline_row(
                tenant,
                customer_ref,
                None,
                now,
                "excluded" if excluded else "included",
                [invoice_number],
                detail=f"by {by}",
            )
        ],
    )


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
