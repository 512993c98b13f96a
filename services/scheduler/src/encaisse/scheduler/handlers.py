"""Messages the scheduler consumes: ledger events, delivery reports, portal events.

Handlers are idempotent (the inbox) and tolerate any order: invoice and
customer events older than what is stored are ignored (aggregate versions);
an invoice or a payment seen before its customer creates a placeholder the
customer event fills in later.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import any_, literal, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from encaisse.bus import catalog
from encaisse.bus.consumer import Handlers
from encaisse.bus.topology import QueueSpec
from encaisse.bus.uow import UnitOfWork
from encaisse.contracts import Envelope, Message
from encaisse.contracts.ledger import (
    CustomerUpserted,
    InvoiceCancelled,
    InvoiceIssued,
    InvoiceSettled,
    InvoiceState,
    InvoiceStatus,
    InvoiceUpdated,
    InvoiceWrittenOff,
    PaymentReceived,
    PaymentRejected,
)
from encaisse.contracts.letters import LetterFailed, LetterReturned, ReturnReason
from encaisse.contracts.notifier import FailureReason, MessageFailed, MessageUncertain
from encaisse.contracts.portal import DisputeOpened, PlanRequested, PromiseMade
from encaisse.contracts.scheduler import TaskKind
from encaisse.scheduler import actions, db, deliveries, repo
from encaisse.scheduler.clock import Clock
from encaisse.scheduler.domain.day import plans_from
from encaisse.scheduler.domain.payments import Paid, thank_you_invoices
from encaisse.scheduler.domain.planning import (
    Track,
    TrackState,
    close,
    plan_next,
    reject_debit,
    start,
)
from encaisse.scheduler.domain.scenarios import Channel, profile_for

QUEUE = catalog.SCHEDULER_EVENTS
QUEUES: tuple[QueueSpec, ...] = (QUEUE,)

LIVE_STATUSES = (InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID)


async def _ctx(uow: UnitOfWork, clock: Clock, tenant: str, ref: str) -> actions.Context:
    return await actions.context(uow, tenant, ref, await clock.now(uow.session))


async def on_customer(env: Envelope[CustomerUpserted], uow: UnitOfWork, clock: Clock) -> None:
    e = env.payload
    ctx = await _ctx(uow, clock, e.tenant, e.customer_ref)
    row = ctx.row
    if row.version >= e.version:
        return
    profile = profile_for(
        explicit=row.explicit_profile,
        segment=e.segment.value,
        country=e.country,
        tenant_country=ctx.settings.country,
        profiles=(await repo.rules(uow.session, e.tenant)).profiles,
    )
    address = e.address.model_dump() if e.address else None
    values: dict[str, Any] = dict(
        version=e.version,
        name=e.name,
        segment=e.segment.value,
        country=e.country,
        language=e.language,
        timezone=e.timezone,
        email=e.email,
        phone=e.phone,
        address=address,
        sales_rep_email=e.sales_rep_email,
        excluded=e.excluded_from_dunning,
        profile=profile,
    )
    for field, flag in (("email", "email_ok"), ("phone", "phone_ok"), ("address", "address_ok")):
        if (address if field == "address" else getattr(e, field)) != getattr(row, field):
            values[flag] = True  # a changed contact is worth trying again
    c = db.customers
    await uow.session.execute(
        update(c).where(c.c.tenant == e.tenant, c.c.customer_ref == e.customer_ref).values(values)
    )
    if profile != row.profile:
        await _follow_profile(uow, e.tenant, e.customer_ref, profile)
    if (profile, e.timezone, e.country) != (row.profile, row.timezone, row.country):
        ctx = await _ctx(uow, clock, e.tenant, e.customer_ref)  # the calendar changed too
        await actions.replan(ctx)
    await ctx.refresh()


async def _follow_profile(uow: UnitOfWork, tenant: str, ref: str, profile: str) -> None:
    """A new profile applies to the steps not yet done of the customer's live invoices."""
    code = await _scenario_code(uow, tenant, profile)
    t = db.tracks
    await uow.session.execute(
        update(t)
        .where(t.c.tenant == tenant, t.c.customer_ref == ref, t.c.state.in_(repo.LIVE))
        .values(scenario_code=code)
    )


async def _scenario_code(uow: UnitOfWork, tenant: str, profile: str) -> str:
    for p in (await repo.rules(uow.session, tenant)).profiles:
        if p.code == profile:
            return p.scenario_code
    return "standard"


async def on_invoice(env: Envelope[InvoiceState], uow: UnitOfWork, clock: Clock) -> None:
    e = env.payload
    ctx = await _ctx(uow, clock, e.tenant, e.customer_ref)
    rows = await repo.customer_tracks(uow.session, e.tenant, e.customer_ref, [e.invoice_number])
    row = rows[0] if rows else None
    if row is not None and row.invoice_version >= e.version:
        return
    scenarios = (await repo.rules(uow.session, e.tenant)).scenarios
    live = e.status in LIVE_STATUSES and e.open_balance.amount > 0
    invoice = dict(
        customer_ref=e.customer_ref,
        invoice_version=e.version,
        issue_date=e.issue_date,
        due_date=e.due_date,
        amount=e.amount.amount,
        open_balance=e.open_balance.amount,
        currency=e.amount.currency,
        status=e.status.value,
        pdf_url=e.pdf_url,
    )
    if row is None:
        code = await _scenario_code(uow, e.tenant, ctx.row.profile)
        track = Track(
            e.invoice_number, e.customer_ref, e.due_date, e.open_balance.amount, scenario_code=code
        )
        track = start(track, scenarios[code], ctx.today, ctx.slot) if live else close(track)
        await uow.session.execute(
            pg_insert(db.tracks).values(
                tenant=e.tenant,
                invoice_number=e.invoice_number,
                **{**invoice, **repo.track_values(track)},
            )
        )
    else:
        before = repo.track_from_row(row)
        track = replace(before, due_date=e.due_date, open_balance=e.open_balance.amount)
        plan = plans_from(scenarios)
        if not live:
            track = close(track)
            if before.state is not TrackState.CLOSED:
                await repo.add_timeline(
                    uow.session,
                    [
                        ctx.timeline(
                            "closed", [e.invoice_number], detail=f"invoice {e.status.value}"
                        )
                    ],
                )
        elif before.state is TrackState.CLOSED:
            track = plan_next(replace(track, state=TrackState.ACTIVE), plan(track), ctx.slot)
        elif before.state is TrackState.ACTIVE and e.due_date != row.due_date:
            track = plan_next(track, plan(track), ctx.slot)
            await repo.add_timeline(
                uow.session,
                [
                    ctx.timeline(
                        "replanned",
                        [e.invoice_number],
                        detail=f"due date {row.due_date.isoformat()} -> {e.due_date.isoformat()}",
                    )
                ],
            )
        t = db.tracks
        await uow.session.execute(
            update(t)
            .where(t.c.tenant == e.tenant, t.c.invoice_number == e.invoice_number)
            .values({**invoice, **repo.track_values(track)})
        )
    if not live:
        await _promise_kept(uow, e.tenant, e.invoice_number)
    await ctx.refresh()


async def _promise_kept(uow: UnitOfWork, tenant: str, number: str) -> None:
    p = db.promises
    await uow.session.execute(
        update(p)
        .where(
            p.c.tenant == tenant, p.c.status == "open", literal(number) == any_(p.c.invoice_numbers)
        )
        .values(status="kept")
    )


async def on_payment(env: Envelope[PaymentReceived], uow: UnitOfWork, clock: Clock) -> None:
    """One thank-you per payment that settles a followed invoice, listing what it paid.

    Reminded or not; inside the sending window (else it waits for the window to open).
    """
    e = env.payload
    ctx = await _ctx(uow, clock, e.tenant, e.customer_ref)
    paid = [
        Paid(a.invoice_number, a.amount.amount, a.open_balance_after.amount) for a in e.allocations
    ]
    rows = await repo.customer_tracks(
        uow.session, e.tenant, e.customer_ref, [p.invoice_number for p in paid]
    )
    numbers = thank_you_invoices(paid, {r.invoice_number: repo.track_from_row(r) for r in rows})
    if not numbers or not ctx.customer.reachable_by_email:
        return
    after = {p.invoice_number: p.balance_after for p in paid}
    listed = [
        actions.with_balance(r, after[r.invoice_number])
        for r in rows
        if r.invoice_number in numbers
    ]
    await actions.send(
        ctx,
        Channel.EMAIL,
        "thank_you",
        listed,
        f"{ctx.row.case_id}:thank_you:{e.payment_ref}",
        "thank_you",
        {
            "payment_ref": e.payment_ref,
            "paid_on": e.paid_on.isoformat(),
            "amount": f"{e.amount.amount} {e.amount.currency}",
        },
        in_window=True,
    )
    await ctx.refresh()  # a thank-you that waits is due for the day run


async def on_payment_rejected(
    env: Envelope[PaymentRejected], uow: UnitOfWork, clock: Clock
) -> None:
    """What the debit paid is open again, on the short path: email at once, call next day."""
    e = env.payload
    ctx = await _ctx(uow, clock, e.tenant, e.customer_ref)
    balances = {a.invoice_number: a.open_balance_after.amount for a in e.reopened}
    rows = await repo.customer_tracks(uow.session, e.tenant, e.customer_ref, list(balances))
    for row in rows:
        balance = balances[row.invoice_number]
        if balance <= Decimal(0):
            continue
        track = reject_debit(repo.track_from_row(row), e.rejected_on, balance, ctx.slot)
        await repo.save_track(uow.session, e.tenant, track)
    if rows:
        await repo.add_timeline(
            uow.session,
            [
                ctx.timeline(
                    "reopened",
                    [r.invoice_number for r in rows],
                    detail=f"direct debit {e.payment_ref} rejected: "
                    f"{e.reason or 'no reason given'}",
                )
            ],
        )
    await ctx.refresh()


WRONG_EMAIL = {FailureReason.BOUNCED, FailureReason.INVALID_ADDRESS, FailureReason.REJECTED}
WRONG_ADDRESS = {ReturnReason.ADDRESS_UNKNOWN, ReturnReason.ADDRESS_INVALID}


async def on_message_failed(env: Envelope[MessageFailed], uow: UnitOfWork, clock: Clock) -> None:
    e = env.payload
    ctx = await _ctx(uow, clock, e.tenant, e.customer_ref)
    detail = f"{e.reason.value}: {e.detail}".strip(": ")
    if e.reason is FailureReason.PROVIDER_ERROR:
        await deliveries.provider_failed(ctx, Channel(e.channel.value), e.command_key, detail)
        return
    await deliveries.delivery_failed(
        ctx, Channel(e.channel.value), e.command_key, detail, contact_wrong=e.reason in WRONG_EMAIL
    )


async def on_message_uncertain(
    env: Envelope[MessageUncertain], uow: UnitOfWork, clock: Clock
) -> None:
    e = env.payload
    ctx = await _ctx(uow, clock, e.tenant, e.customer_ref)
    await deliveries.delivery_uncertain(
        ctx, Channel(e.channel.value), e.command_key, e.recipient, e.detail
    )


async def on_letter_failed(
    env: Envelope[LetterReturned | LetterFailed], uow: UnitOfWork, clock: Clock
) -> None:
    e = env.payload
    ctx = await _ctx(uow, clock, e.tenant, e.customer_ref)
    channel = Channel.REGISTERED_LETTER if e.kind.value == "registered" else Channel.LETTER
    await deliveries.delivery_failed(
        ctx,
        channel,
        e.command_key,
        f"{e.reason.value}: {e.detail}".strip(": "),
        contact_wrong=e.reason in WRONG_ADDRESS,
    )


async def on_dispute(env: Envelope[DisputeOpened], uow: UnitOfWork, clock: Clock) -> None:
    e = env.payload
    ctx = await _ctx(uow, clock, e.tenant, e.customer_ref)
    await actions.open_dispute(
        ctx,
        e.invoice_number,
        e.reason.value,
        e.message,
        source="portal",
        by="debtor (portal)",
        dispute_id=e.dispute_id,
    )


async def on_promise(env: Envelope[PromiseMade], uow: UnitOfWork, clock: Clock) -> None:
    e = env.payload
    ctx = await _ctx(uow, clock, e.tenant, e.customer_ref)
    await actions.make_promise(
        ctx,
        e.invoice_numbers,
        e.promised_date,
        e.amount,
        source="portal",
        by="debtor (portal)",
        promise_id=e.promise_id,
    )


async def on_plan(env: Envelope[PlanRequested], uow: UnitOfWork, clock: Clock) -> None:
    """A payment plan is agreed by a person: the request becomes a task."""
    e = env.payload
    ctx = await _ctx(uow, clock, e.tenant, e.customer_ref)
    rows = await repo.customer_tracks(uow.session, e.tenant, e.customer_ref, e.invoice_numbers)
    await actions.create_task(
        ctx, TaskKind.MANUAL, rows, note=f"payment plan requested in {e.instalments} instalments"
    )


def handlers(clock: Clock) -> Handlers:
    """The handler of each message type, with its dependencies bound (see ``app.bootstrap``)."""
    table: dict[type[Message], Callable[..., Awaitable[None]]] = {
        CustomerUpserted: on_customer,
        InvoiceIssued: on_invoice,
        InvoiceUpdated: on_invoice,
        InvoiceSettled: on_invoice,
        InvoiceCancelled: on_invoice,
        InvoiceWrittenOff: on_invoice,
        PaymentReceived: on_payment,
        PaymentRejected: on_payment_rejected,
        MessageFailed: on_message_failed,
        MessageUncertain: on_message_uncertain,
        LetterReturned: on_letter_failed,
        LetterFailed: on_letter_failed,
        DisputeOpened: on_dispute,
        PromiseMade: on_promise,
        PlanRequested: on_plan,
    }
    return {message: partial(handler, clock=clock) for message, handler in table.items()}
