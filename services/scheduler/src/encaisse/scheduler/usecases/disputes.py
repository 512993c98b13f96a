"""Disputes and promises to pay, from staff (the API), the portal or a call's outcome."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from encaisse.contracts.scheduler import CasePaused, CaseResumed, PauseReason, TaskKind
from encaisse.kit.failures import Conflict, DomainError, NotFound
from encaisse.scheduler.domain.day import plans_from
from encaisse.scheduler.domain.planning import (
    TrackState,
    pause_for_dispute,
    pause_for_promise,
    resume_after_dispute,
)
from encaisse.scheduler.domain.scenarios import Means
from encaisse.scheduler.repository import disputes, tasks, tenants, timeline, tracks
from encaisse.scheduler.repository.rows import LIVE, track_from_row
from encaisse.scheduler.usecases.context import Context
from encaisse.scheduler.usecases.messages import send
from encaisse.scheduler.usecases.tasks import create_task


async def open_dispute(
    ctx: Context,
    invoice_number: str,
    reason: str,
    message: str,
    *,
    source: str,
    by: str,
    dispute_id: str | None = None,
) -> str:
    """Client-facing steps pause; the sales rep (or owner) gets the problem; the debtor an ack."""
    session = ctx.uow.session
    rows = await tracks.of_customer(session, ctx.tenant, ctx.ref, [invoice_number])
    if not rows and source == "api":
        raise NotFound("invoice_number", f"no invoice {invoice_number} for this customer")
    dispute_id = dispute_id or str(uuid.uuid4())
    await disputes.add_dispute(
        session,
        id=dispute_id,
        tenant=ctx.tenant,
        customer_ref=ctx.ref,
        invoice_number=invoice_number,
        reason=reason,
        message=message,
        source=source,
        opened_at=ctx.now,
        opened_by=by,
    )
    live = [r for r in rows if r.state in LIVE]
    if live:
        track = track_from_row(live[0])
        if track.state is TrackState.ACTIVE or track.pause_until is not None:
            await tracks.save(session, ctx.tenant, pause_for_dispute(track, ctx.today))
        await ctx.case_event(
            CasePaused, reason=PauseReason.DISPUTE, invoice_numbers=(invoice_number,)
        )
        await timeline.add(
            session,
            [
                ctx.timeline(
                    "paused",
                    [invoice_number],
                    detail=f"dispute {dispute_id}: {reason} {message}".strip(),
                )
            ],
        )
        await create_task(
            ctx,
            TaskKind.DISPUTE,
            live,
            assignee=ctx.settings.owner(ctx.row.sales_rep_email),
            note=f"dispute ({reason}): {message}".strip(),
            dispute_id=dispute_id,
        )
        if ctx.customer.reachable_by_email:
            await send(
                ctx,
                Means.EMAIL,
                "dispute_acknowledged",
                live,
                f"{ctx.row.case_id}:dispute:{dispute_id}",
                "dispute_acknowledged",
                in_window=True,  # at night, it waits for the window's opening
            )
    await ctx.refresh()
    return dispute_id


async def resolve_dispute(ctx: Context, dispute: Any, resolution: str, by: str) -> None:
    """The scenario resumes: remaining steps move by the days spent in dispute."""
    if dispute.status != "open":
        raise Conflict("dispute_id", "this dispute is already resolved")
    session = ctx.uow.session
    await disputes.resolve(session, dispute.id, ctx.now, by, resolution)
    # its task and its owner's reminders are done: the owner is reminded no more
    await tasks.close_open(
        session, ctx.tenant, ctx.ref, kind=TaskKind.DISPUTE.value, outcome="dispute_resolved",
        by=by, at=ctx.now, dispute_id=dispute.id,
    )  # fmt: skip
    still_open = await disputes.still_disputed(session, ctx.tenant, dispute.invoice_number)
    rows = await tracks.of_customer(session, ctx.tenant, ctx.ref, [dispute.invoice_number])
    if rows and rows[0].state == TrackState.PAUSED.value and not still_open:
        track = track_from_row(rows[0])
        scenarios = await tenants.scenarios(session, ctx.tenant, with_deleted=True)
        resumed = resume_after_dispute(track, plans_from(scenarios)(track), ctx.today, ctx.slot)
        await tracks.save(session, ctx.tenant, resumed)
        await ctx.case_event(
            CaseResumed, reason="dispute_resolved", invoice_numbers=(dispute.invoice_number,)
        )
        await timeline.add(
            session,
            [
                ctx.timeline(
                    "resumed",
                    [dispute.invoice_number],
                    detail=f"dispute resolved: {resolution}; remaining steps moved by "
                    f"{resumed.shift_days - track.shift_days} days",
                )
            ],
        )
    await ctx.refresh()


async def make_promise(
    ctx: Context,
    invoice_numbers: tuple[str, ...],
    promised: date,
    amount: Any,
    *,
    source: str,
    by: str,
    promise_id: str | None = None,
) -> str:
    """Pause until the promised date plus the grace; confirm it to the debtor."""
    if promised < ctx.today and source != "portal":
        raise DomainError("promised_date", "a promise to pay cannot be in the past")
    session = ctx.uow.session
    rows = await tracks.of_customer(session, ctx.tenant, ctx.ref, invoice_numbers)
    known = {r.invoice_number for r in rows}
    missing = [n for n in invoice_numbers if n not in known]
    if missing and source == "api":
        raise NotFound("invoice_numbers", f"unknown invoices for this customer: {missing}")
    promise_id = promise_id or str(uuid.uuid4())
    await disputes.add_promise(
        session,
        id=promise_id,
        tenant=ctx.tenant,
        customer_ref=ctx.ref,
        invoice_numbers=list(invoice_numbers),
        promised_date=promised,
        amount=amount.amount if amount else None,
        currency=amount.currency if amount else None,
        source=source,
        made_at=ctx.now,
        made_by=by,
    )
    grace = ctx.settings.promise_grace_days
    active = [r for r in rows if r.state == TrackState.ACTIVE.value]
    for row in active:
        paused = pause_for_promise(track_from_row(row), ctx.today, promised, grace, ctx.slot)
        await tracks.save(session, ctx.tenant, paused)
    if active:
        numbers = tuple(r.invoice_number for r in active)
        until_day = pause_for_promise(
            track_from_row(active[0]), ctx.today, promised, grace, ctx.slot
        ).pause_until
        await ctx.case_event(
            CasePaused, reason=PauseReason.PROMISE, invoice_numbers=numbers, until=until_day
        )
        await timeline.add(
            session,
            [
                ctx.timeline(
                    "paused",
                    numbers,
                    detail=f"promise to pay on {promised.isoformat()} (grace until {until_day})",
                )
            ],
        )
        if ctx.customer.reachable_by_email:
            await send(
                ctx,
                Means.EMAIL,
                "promise_confirmed",
                active,
                f"{ctx.row.case_id}:promise:{promise_id}",
                "promise_confirmed",
                {"promised_date": promised.isoformat()},
                in_window=True,
            )
    await ctx.refresh()
    return promise_id
