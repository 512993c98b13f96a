"""Messages outside the scenario (a thank-you, an acknowledgment, a re-routed step): sent
at once, or kept for the day run until the sending window opens.

Replies to the debtor's own acts (a dispute acknowledged, a promise confirmed) and
thank-yous (``REPLIES``) keep to the sending window like any message, but are no
client-facing contact: they are not written in ``channel_days``, which the contact
pressure counts and which makes a reminder wait for the next day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from encaisse.contracts import Money
from encaisse.contracts.common import PaymentLine, Position
from encaisse.scheduler.domain.scenarios import MESSAGE_CHANNELS, THANK_YOU_DAYS, Means
from encaisse.scheduler.domain.windows import next_open_slot
from encaisse.scheduler.repository import deferred, timeline, tracks
from encaisse.scheduler.usecases import commands
from encaisse.scheduler.usecases.context import Context

REPLIES = frozenset({"thank_you", "dispute_acknowledged", "promise_confirmed"})


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
    not_before: datetime | None = None,
    payments: list[dict[str, str]] | None = None,
) -> bool:
    """Send one message outside the scenario (thank-you, acknowledgment, re-routed step).

    The key names the act: an event replayed under another message id sends nothing more.
    An excluded customer, or invoices excluded from automation, get nothing.
    ``in_window``: outside the tenant's sending window (the customer's time zone and
    holidays) the message waits in ``deferred`` for the first open slot; the day run
    sends it then. ``statement``: a reminder (a step approved, re-routed or sent again)
    shows the customer's whole position, as the day run's do. ``not_before``: it waits at
    least until then (a thank-you a week after the previous one). ``payments``: those a
    thank-you lists (``payment_lines``).
    """
    rows = [r for r in rows if not r.excluded]
    if ctx.customer.excluded or not rows:
        return False
    if await timeline.sent_or_waiting(ctx.uow.session, ctx.tenant, key):
        return False
    numbers = [r.invoice_number for r in rows]
    entry = dict(channel=channel.value, step=step, template=template, command_key=key)
    earliest = max(ctx.now, not_before or ctx.now)
    slot = next_open_slot(
        earliest, ctx.settings.window, ctx.customer.timezone, ctx.customer.country
    )
    if in_window and slot > ctx.now:
        why = "outside the sending window" if earliest == ctx.now else "one a week at most"
        await defer(
            ctx, channel, template, rows, key, step, slot, extra, why=why, payments=payments
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
        payments=payment_lines(payments or []),
        fallback_language=ctx.settings.language,
    )
    if command is None:
        return False
    await ctx.uow.publish(command, ctx.row.case_id or ctx.ref)
    if channel in MESSAGE_CHANNELS and template not in REPLIES:
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
    payments: list[dict[str, str]] | None = None,
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
        payments=payments or [],
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


def payment_line(payment_ref: str, paid_on: str, amount: str, currency: str) -> dict[str, str]:
    """A payment as a waiting thank-you keeps it (``deferred.payments``)."""
    return {"payment_ref": payment_ref, "paid_on": paid_on, "amount": amount, "currency": currency}


def payment_lines(kept: list[dict[str, str]]) -> tuple[PaymentLine, ...]:
    return tuple(
        PaymentLine(
            payment_ref=p["payment_ref"],
            paid_on=date.fromisoformat(p["paid_on"]),
            amount=Money(amount=Decimal(p["amount"]), currency=p["currency"]),
        )
        for p in kept
    )


def week_after(last: datetime | None) -> datetime | None:
    """The earliest a thank-you may go after the one sent at ``last``."""
    return None if last is None else last + timedelta(days=THANK_YOU_DAYS)
