"""Messages outside the scenario (a thank-you, an acknowledgment, a re-routed step): sent
at once, or kept for the day run until the sending window opens."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from encaisse.contracts.common import Position
from encaisse.scheduler.domain.scenarios import MESSAGE_CHANNELS, Means
from encaisse.scheduler.domain.windows import next_open_slot
from encaisse.scheduler.repository import deferred, timeline, tracks
from encaisse.scheduler.usecases import commands
from encaisse.scheduler.usecases.context import Context


async def send(
    ctx: Context,
    channel: Means,
    template: str,
    rows: list[Any],
    key: str,
    step: str,
    extra: dict[str, str] | None = None,
    *,
    in_window: bool = False,
    statement: bool = False,
) -> bool:
    """Send one message outside the scenario (thank-you, acknowledgment, re-routed step).

    The key names the act: an event replayed under another message id sends nothing more.
    An excluded customer, or invoices excluded from automation, get nothing.
    ``in_window``: outside the tenant's sending window (the customer's time zone and
    holidays) the message waits in ``deferred`` for the first open slot; the day run
    sends it then. ``statement``: a reminder (a step approved, re-routed or sent again)
    shows the customer's whole position, as the day run's do.
    """
    rows = [r for r in rows if not r.excluded]
    if ctx.customer.excluded or not rows:
        return False
    if await timeline.sent_or_waiting(ctx.uow.session, ctx.tenant, key):
        return False
    numbers = [r.invoice_number for r in rows]
    entry = dict(channel=channel.value, step=step, template=template, command_key=key)
    slot = next_open_slot(ctx.now, ctx.settings.window, ctx.customer.timezone, ctx.customer.country)
    if in_window and slot > ctx.now:
        await defer(
            ctx, channel, template, rows, key, step, slot, extra, why="outside the sending window"
        )
        return True
    command = commands.outside_scenario(
        tenant=ctx.tenant,
        channel=channel,
        template=template,
        step=step,
        key=key,
        case_id=ctx.row.case_id,
        customer=ctx.row,
        invoices=rows,
        day=ctx.today,
        notice_deadline_days=ctx.settings.notice_deadline_days,
        context=extra,
        position=await position_of(ctx) if statement else None,
    )
    if command is None:
        return False
    await ctx.uow.publish(command, ctx.row.case_id or ctx.ref)
    if channel in MESSAGE_CHANNELS:
        await timeline.channel_used(ctx.uow.session, ctx.tenant, ctx.ref, channel.value, ctx.today)
    await timeline.add(ctx.uow.session, [ctx.timeline("done", numbers, **entry)])
    return True


async def defer(
    ctx: Context,
    channel: Means,
    template: str,
    rows: list[Any],
    key: str,
    step: str,
    until: datetime,
    extra: dict[str, str] | None = None,
    *,
    why: str,
    resend: bool = False,
) -> None:
    """Keep a message for the day run to send at ``until`` (call ``ctx.refresh()`` after).

    ``resend``: a scenario act sent again; the day run sends it only for the invoices
    still active then, at their balance then (never for one paid or paused since).
    """
    numbers = [r.invoice_number for r in rows]
    await deferred.add(
        ctx.uow.session,
        tenant=ctx.tenant,
        command_key=key,
        customer_ref=ctx.ref,
        case_id=ctx.row.case_id,
        channel=channel.value,
        template=template,
        step=step,
        invoice_numbers=numbers,
        balances={r.invoice_number: str(r.open_balance) for r in rows},
        resend=resend,
        context=extra or {},
        due_at=until,
        created_at=ctx.now,
    )
    await timeline.add(
        ctx.uow.session,
        [
            ctx.timeline(
                "deferred",
                numbers,
                channel=channel.value,
                step=step,
                template=template,
                command_key=key,
                detail=f"{why}: waits until {until.isoformat()}",
            )
        ],
    )


async def position_of(ctx: Context) -> Position:
    """The customer's position now, from its live tracks."""
    rows = await tracks.of_customer(ctx.uow.session, ctx.tenant, ctx.ref)
    return commands.position([r for r in rows if r.state == "active"], ctx.today)


def with_balance(row: Any, balance: Decimal) -> Any:
    """An invoice row as a payment left it (the ledger's own event may come later)."""
    return SimpleNamespace(**{**row._mapping, "open_balance": balance})
