"""Staff's choices about a customer: excluded from automation (or one invoice), its
profile chosen explicitly."""

from __future__ import annotations

from typing import TYPE_CHECKING

from encaisse.bus.uow import UnitOfWork
from encaisse.kit.failures import DomainError, NotFound
from encaisse.scheduler.domain.scenarios import profile_for
from encaisse.scheduler.repository import cases, customers, tenants, timeline, tracks
from encaisse.scheduler.repository.rows import timeline_row
from encaisse.scheduler.usecases.context import context, replan

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
    invoices follow the profile's scenario from their next step on."""
    await parts.tenants.ensure(tenant)
    row = await customers.lock(uow.session, tenant, customer_ref)
    profiles = await tenants.profiles(uow.session, tenant)
    if explicit is not None and explicit not in {p.code for p in profiles}:
        raise DomainError("profile", f"no profile {explicit!r}")
    settings = await tenants.tenant_settings(uow.session, tenant)
    code = profile_for(
        explicit=explicit,
        segment=row.segment,
        country=row.country,
        tenant_country=settings.country,
        profiles=profiles,
    )
    await customers.change(
        uow.session, tenant, customer_ref, explicit_profile=explicit, profile=code
    )
    scenario = next(p.scenario_code for p in profiles if p.code == code)
    await customers.follow_scenario(uow.session, tenant, customer_ref, scenario)
    ctx = await context(parts, uow, tenant, customer_ref)
    await replan(ctx)
    await ctx.refresh()
