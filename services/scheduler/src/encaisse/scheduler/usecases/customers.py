"""Staff's choices about a customer: its profile chosen explicitly (exclusions from
automation are in ``usecases.exclusions``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from encaisse.bus.uow import UnitOfWork
from encaisse.kit.failures import DomainError
from encaisse.scheduler.domain.scenarios import profile_for
from encaisse.scheduler.repository import customers, tenants
from encaisse.scheduler.usecases.context import context, replan

if TYPE_CHECKING:
    from encaisse.scheduler.app import SchedulerParts


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
