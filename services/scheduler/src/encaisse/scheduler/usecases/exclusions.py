"""Staff's exclusions from automation: a customer or one invoice, with a reason, who set
it and an optional end date.

A staff exclusion is the scheduler's own: the ledger's ``excluded_from_dunning`` is kept
apart (``customers.ledger_excluded``), so a ledger event never lifts what staff set, nor
staff what the ledger says; a customer is excluded when either says so. When an
exclusion ends (lifted, or lapsed on its end date) the tracks go on from their next
step without a catch-up burst (``domain.casework.resume_after_exclusion``).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING, Any

from encaisse.bus.uow import UnitOfWork
from encaisse.kit.failures import Conflict, DomainError, NotFound
from encaisse.scheduler.domain.casework import resume_after_exclusion
from encaisse.scheduler.domain.day import plans_from
from encaisse.scheduler.repository import exclusions, timeline, tracks
from encaisse.scheduler.repository.exclusions import CUSTOMER
from encaisse.scheduler.repository.rows import track_from_row
from encaisse.scheduler.usecases.context import Context, context

if TYPE_CHECKING:
    from encaisse.scheduler.app import SchedulerParts

LIFTED, LAPSED = "lifted", "lapsed"


async def set_exclusion(
    parts: SchedulerParts,
    uow: UnitOfWork,
    tenant: str,
    customer_ref: str,
    *,
    invoice_number: str | None,
    reason: str,
    until: date | None,
    by: str,
    again_is_conflict: bool = True,
) -> Any:
    """Exclude a customer (``invoice_number`` None) or one of its invoices.

    One exclusion is active per customer or invoice: another is a conflict (or, for the
    idempotent ``PUT``, the active one is returned as it is).
    """
    ctx = await context(parts, uow, tenant, customer_ref)
    target = invoice_number or CUSTOMER
    if until is not None and until <= ctx.today:
        raise DomainError("until", "the end date must be after today (the customer's day)")
    if invoice_number is not None and not await tracks.of_customer(
        uow.session, tenant, customer_ref, [invoice_number]
    ):
        raise NotFound("invoice_number", f"no invoice {invoice_number} for {customer_ref}")
    made = await exclusions.add(
        uow.session,
        id=str(uuid.uuid4()),
        tenant=tenant,
        customer_ref=customer_ref,
        invoice_number=target,
        reason=reason,
        set_by=by,
        set_at=ctx.now,
        until=until,
    )
    if made is None:
        present = await exclusions.active(uow.session, tenant, customer_ref, target)
        if again_is_conflict:
            field = "invoice_number" if invoice_number else "customer_ref"
            raise Conflict(field, f"already excluded (exclusion {present.id})")
        return present
    await _flag(ctx, invoice_number, True)
    until_text = f", until {until.isoformat()}" if until else ""
    await timeline.add(
        uow.session,
        [
            ctx.timeline(
                "excluded",
                [invoice_number] if invoice_number else [],
                detail=f"by {by}: {reason}{until_text}".strip(),
            )
        ],
    )
    await ctx.refresh()
    return made


async def lift_exclusion(
    parts: SchedulerParts,
    uow: UnitOfWork,
    tenant: str,
    exclusion_id: str,
    *,
    by: str,
    status: str = LIFTED,
) -> Any:
    """End an active exclusion: lifted by staff, or lapsed on its end date."""
    found = await exclusions.one(uow.session, tenant, exclusion_id)
    if found is None:
        raise NotFound("exclusion_id", f"no exclusion {exclusion_id}")
    ctx = await context(parts, uow, tenant, found.customer_ref)  # the customer's lock first
    ended = await exclusions.end(uow.session, exclusion_id, status, by, ctx.now)
    if ended is None:
        raise Conflict("exclusion_id", f"this exclusion is already {found.status}")
    invoice_number = ended.invoice_number or None
    await _flag(ctx, invoice_number, False)
    await ctx.relock()
    await _resume(ctx, invoice_number)
    why = "its end date came" if status == LAPSED else f"lifted by {by}"
    await timeline.add(
        uow.session,
        [
            ctx.timeline(
                "included",
                [invoice_number] if invoice_number else [],
                detail=f"exclusion ended: {why}",
            )
        ],
    )
    await ctx.refresh()
    return ended


async def lift_target(
    parts: SchedulerParts,
    uow: UnitOfWork,
    tenant: str,
    customer_ref: str,
    invoice_number: str | None,
    by: str,
) -> None:
    """Lift the active exclusion of a customer or an invoice, if any (the idempotent PUT)."""
    await context(parts, uow, tenant, customer_ref)
    present = await exclusions.active(uow.session, tenant, customer_ref, invoice_number or CUSTOMER)
    if present is not None:
        await lift_exclusion(parts, uow, tenant, present.id, by=by)


async def _flag(ctx: Context, invoice_number: str | None, excluded: bool) -> None:
    if invoice_number is None:
        await exclusions.set_customer_flag(ctx.uow.session, ctx.tenant, ctx.ref, excluded)
    else:
        await tracks.set_excluded(ctx.uow.session, ctx.tenant, ctx.ref, invoice_number, excluded)


async def _resume(ctx: Context, invoice_number: str | None) -> None:
    """The tracks go on from their next step, unless the customer is still excluded (by
    the ledger, or for an invoice: by its customer's own exclusion)."""
    if ctx.customer.excluded:
        return
    plans = plans_from((await ctx.parts.tenants.rules(ctx.uow.session, ctx.tenant)).scenarios)
    numbers = [invoice_number] if invoice_number else None
    for row in await tracks.of_customer(ctx.uow.session, ctx.tenant, ctx.ref, numbers):
        track = track_from_row(row)
        if track.excluded:
            continue
        resumed = resume_after_exclusion(track, plans(track), ctx.today, ctx.slot)
        if resumed != track:
            await tracks.save(ctx.uow.session, ctx.tenant, resumed)
