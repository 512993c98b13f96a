"""The customer an act is about: locked in the caller's unit of work, with what planning
needs.

Every act on a customer's case (``usecases``) runs inside the caller's unit of work,
holding the customer's row lock (the same lock the day run claims), and publishes
through the outbox.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from encaisse.bus.uow import UnitOfWork
from encaisse.scheduler.domain.contacts import Contacts
from encaisse.scheduler.domain.day import customer_slot, plans_from
from encaisse.scheduler.domain.planning import TrackState, plan_next
from encaisse.scheduler.domain.windows import local_day
from encaisse.scheduler.repository import cases, customers, tracks
from encaisse.scheduler.repository.rows import contacts_from_row, timeline_row, track_from_row
from encaisse.scheduler.repository.tenants import TenantSettings

if TYPE_CHECKING:
    from encaisse.scheduler.app import SchedulerParts


class Context:
    """The customer a change is about, locked, with what planning needs."""

    def __init__(
        self,
        parts: SchedulerParts,
        uow: UnitOfWork,
        tenant: str,
        row: Any,
        settings: TenantSettings,
        now: datetime,
    ) -> None:
        self.parts, self.uow, self.tenant, self.row = parts, uow, tenant, row
        self.settings, self.now = settings, now
        self.customer: Contacts = contacts_from_row(row)
        self.slot = customer_slot(self.customer, settings.window)
        self.today: date = local_day(now, self.customer.timezone)

    @property
    def ref(self) -> str:
        return str(self.row.customer_ref)

    async def relock(self) -> None:
        """Read the customer's row again (after this act changed it)."""
        self.row = await customers.lock(self.uow.session, self.tenant, self.ref)
        self.customer = contacts_from_row(self.row)

    def timeline(self, kind: str, invoices: Any, **extra: Any) -> dict[str, Any]:
        return timeline_row(
            self.tenant, self.ref, self.row.case_id, self.now, kind, invoices, **extra
        )

    async def case_event(self, event_class: type, **fields: Any) -> None:
        case_id, version = await cases.bump_case(self.uow.session, self.tenant, self.ref)
        if case_id is None:
            return
        await self.uow.publish(
            event_class(
                tenant=self.tenant,
                version=version,
                case_id=case_id,
                customer_ref=self.ref,
                **fields,
            ),
            case_id,
        )

    async def refresh(self) -> None:
        """Open or close the customer's case from its tracks; its next due time."""
        for event in await cases.refresh_cases(
            self.uow.session, [(self.tenant, self.ref)], self.now
        ):
            await self.uow.publish(event, event.case_id)


async def context(
    parts: SchedulerParts, uow: UnitOfWork, tenant: str, customer_ref: str
) -> Context:
    """The customer, locked, at the scheduler's now (its tenant seeded if new)."""
    await parts.tenants.ensure(tenant)
    now = await parts.clock.now(uow.session)
    row = await customers.lock(uow.session, tenant, customer_ref)
    rules = await parts.tenants.rules(uow.session, tenant)
    return Context(parts, uow, tenant, row, rules.settings, now)


async def replan(ctx: Context) -> None:
    """Plan the next step of the customer's active tracks again (its profile changed)."""
    plans = plans_from((await ctx.parts.tenants.rules(ctx.uow.session, ctx.tenant)).scenarios)
    for row in await tracks.of_customer(ctx.uow.session, ctx.tenant, ctx.ref):
        track = track_from_row(row)
        if track.state is TrackState.ACTIVE:
            await tracks.save(ctx.uow.session, ctx.tenant, plan_next(track, plans(track), ctx.slot))
