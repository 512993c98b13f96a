"""Messages the scheduler consumes: ledger events, delivery reports, portal events.

Handlers are idempotent (the inbox), thin (each calls a use case with the customer
locked, ``usecases.context``) and get their dependencies bound once
(``handlers(parts)``). They tolerate any order (``usecases.ledger``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any

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
    InvoiceUpdated,
    InvoiceWrittenOff,
    PaymentReceived,
    PaymentRejected,
)
from encaisse.contracts.letters import (
    LetterDelivered,
    LetterFailed,
    LetterKind,
    LetterReturned,
    ReturnReason,
)
from encaisse.contracts.notifier import FailureReason, MessageFailed, MessageUncertain
from encaisse.contracts.portal import DisputeOpened, PlanRequested, PromiseMade
from encaisse.contracts.scheduler import TaskKind
from encaisse.scheduler.domain.scenarios import Means
from encaisse.scheduler.repository import tracks
from encaisse.scheduler.usecases import deliveries, disputes, ledger, notices
from encaisse.scheduler.usecases.context import Context, context
from encaisse.scheduler.usecases.tasks import create_task

if TYPE_CHECKING:
    from encaisse.scheduler.app import SchedulerParts

QUEUE = catalog.SCHEDULER_EVENTS
QUEUES: tuple[QueueSpec, ...] = (QUEUE,)


async def _ctx(uow: UnitOfWork, parts: SchedulerParts, e: Any) -> Context:
    return await context(parts, uow, e.tenant, e.customer_ref)


async def on_customer(
    env: Envelope[CustomerUpserted], uow: UnitOfWork, parts: SchedulerParts
) -> None:
    await ledger.customer_upserted(await _ctx(uow, parts, env.payload), env.payload)


async def on_invoice(env: Envelope[InvoiceState], uow: UnitOfWork, parts: SchedulerParts) -> None:
    await ledger.invoice_changed(await _ctx(uow, parts, env.payload), env.payload)


async def on_payment(
    env: Envelope[PaymentReceived], uow: UnitOfWork, parts: SchedulerParts
) -> None:
    await ledger.payment_received(await _ctx(uow, parts, env.payload), env.payload)


async def on_payment_rejected(
    env: Envelope[PaymentRejected], uow: UnitOfWork, parts: SchedulerParts
) -> None:
    await ledger.payment_rejected(await _ctx(uow, parts, env.payload), env.payload)


WRONG_EMAIL = {FailureReason.BOUNCED, FailureReason.INVALID_ADDRESS, FailureReason.REJECTED}
WRONG_ADDRESS = {ReturnReason.ADDRESS_UNKNOWN, ReturnReason.ADDRESS_INVALID}


async def on_message_failed(
    env: Envelope[MessageFailed], uow: UnitOfWork, parts: SchedulerParts
) -> None:
    e = env.payload
    ctx = await _ctx(uow, parts, e)
    detail = f"{e.reason.value}: {e.detail}".strip(": ")
    if e.reason is FailureReason.PROVIDER_ERROR:
        await deliveries.provider_failed(ctx, Means(e.channel.value), e.command_key, detail)
        return
    await deliveries.delivery_failed(
        ctx,
        Means(e.channel.value),
        e.command_key,
        detail,
        contact_wrong=e.reason in WRONG_EMAIL,
        recipient=e.recipient,
    )


async def on_message_uncertain(
    env: Envelope[MessageUncertain], uow: UnitOfWork, parts: SchedulerParts
) -> None:
    e = env.payload
    ctx = await _ctx(uow, parts, e)
    await deliveries.delivery_uncertain(
        ctx, Means(e.channel.value), e.command_key, e.recipient, e.detail
    )


async def on_letter_failed(
    env: Envelope[LetterReturned | LetterFailed], uow: UnitOfWork, parts: SchedulerParts
) -> None:
    e = env.payload
    ctx = await _ctx(uow, parts, e)
    channel = Means.REGISTERED_LETTER if e.kind.value == "registered" else Means.LETTER
    await deliveries.delivery_failed(
        ctx,
        channel,
        e.command_key,
        f"{e.reason.value}: {e.detail}".strip(": "),
        contact_wrong=e.reason in WRONG_ADDRESS,
    )


async def on_letter_delivered(
    env: Envelope[LetterDelivered], uow: UnitOfWork, parts: SchedulerParts
) -> None:
    """A formal notice delivered: its deadline, not a fixed day, ends the amicable phase."""
    e = env.payload
    if e.kind is not LetterKind.REGISTERED:
        return
    ctx = await _ctx(uow, parts, e)
    await notices.notice_delivered(ctx, e.command_key, e.delivered_on or ctx.today)


async def on_dispute(env: Envelope[DisputeOpened], uow: UnitOfWork, parts: SchedulerParts) -> None:
    e = env.payload
    ctx = await _ctx(uow, parts, e)
    await disputes.open_dispute(
        ctx,
        e.invoice_number,
        e.reason.value,
        e.message,
        source="portal",
        by="debtor (portal)",
        dispute_id=e.dispute_id,
    )


async def on_promise(env: Envelope[PromiseMade], uow: UnitOfWork, parts: SchedulerParts) -> None:
    e = env.payload
    ctx = await _ctx(uow, parts, e)
    await disputes.make_promise(
        ctx,
        e.invoice_numbers,
        e.promised_date,
        e.amount,
        source="portal",
        by="debtor (portal)",
        promise_id=e.promise_id,
    )


async def on_plan(env: Envelope[PlanRequested], uow: UnitOfWork, parts: SchedulerParts) -> None:
    """A payment plan is agreed by a person: the request becomes a task."""
    e = env.payload
    ctx = await _ctx(uow, parts, e)
    rows = await tracks.of_customer(uow.session, e.tenant, e.customer_ref, e.invoice_numbers)
    await create_task(
        ctx, TaskKind.MANUAL, rows, note=f"payment plan requested in {e.instalments} instalments"
    )


def handlers(parts: SchedulerParts) -> Handlers:
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
        LetterDelivered: on_letter_delivered,
        DisputeOpened: on_dispute,
        PromiseMade: on_promise,
        PlanRequested: on_plan,
    }
    return {message: partial(handler, parts=parts) for message, handler in table.items()}
