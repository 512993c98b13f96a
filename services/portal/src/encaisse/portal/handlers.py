"""Messages the portal consumes: its read model, and the notices it shows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from encaisse.bus import catalog
from encaisse.bus.consumer import Handlers
from encaisse.bus.topology import QueueSpec
from encaisse.bus.uow import UnitOfWork
from encaisse.contracts import Envelope
from encaisse.contracts import ledger as L
from encaisse.contracts import letters as P
from encaisse.contracts import notifier as N
from encaisse.contracts.portal import PostNotice
from encaisse.portal.usecases import readmodel

if TYPE_CHECKING:
    from encaisse.portal.app import PortalParts

READ_MODEL = catalog.PORTAL_READ_MODEL
NOTICES = catalog.PORTAL_NOTICES
QUEUES: tuple[QueueSpec, ...] = (READ_MODEL, NOTICES)

Handler = Callable[[Envelope[Any], UnitOfWork], Awaitable[None]]


def _message(status: str) -> Handler:
    async def handle(env: Envelope[Any], uow: UnitOfWork) -> None:
        await readmodel.reported(env, uow, env.payload.channel.value, status)

    return handle


def _letter(status: str) -> Handler:
    async def handle(env: Envelope[Any], uow: UnitOfWork) -> None:
        await readmodel.reported(env, uow, readmodel.letter_kind(env.payload.kind), status)

    return handle


def handlers(parts: PortalParts) -> Handlers:
    """The read model's handlers (they need nothing of the parts)."""
    return {
        L.CustomerUpserted: readmodel.customer_upserted,
        L.InvoiceIssued: readmodel.invoice_changed,
        L.InvoiceUpdated: readmodel.invoice_changed,
        L.InvoiceSettled: readmodel.invoice_changed,
        L.InvoiceCancelled: readmodel.invoice_changed,
        L.InvoiceWrittenOff: readmodel.invoice_changed,
        L.PaymentReceived: readmodel.payment_received,
        L.PaymentRejected: readmodel.payment_rejected,
        N.MessageSent: _message("sent"),
        N.MessageUncertain: _message("sent"),  # most likely sent: the debtor sees it was meant
        N.MessageDelivered: _message("delivered"),
        N.MessageFailed: _message("failed"),
        P.LetterPosted: _letter("posted"),
        P.LetterDelivered: _letter("delivered"),
        P.LetterReturned: _letter("returned"),
        P.LetterFailed: _letter("failed"),
        PostNotice: readmodel.notice_posted,
    }
