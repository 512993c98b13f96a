"""Messages the ledger consumes: payments captured on the debtors' portal, and the
contacts collectors collect on calls (``ledger.record_dunning_contact.v1`` on
``ledger.commands``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from encaisse.bus import catalog
from encaisse.bus.consumer import Handlers, PermanentError
from encaisse.bus.topology import QueueSpec
from encaisse.bus.uow import UnitOfWork
from encaisse.contracts import Envelope
from encaisse.contracts.ledger import PaymentMethod, RecordDunningContact
from encaisse.contracts.portal import PaymentCaptured
from encaisse.kit.failures import DomainError
from encaisse.ledger.models import PaymentIn
from encaisse.ledger.usecases.customers import record_dunning_contact
from encaisse.ledger.usecases.payments import record_payment

if TYPE_CHECKING:
    from encaisse.ledger.app import LedgerParts

PORTAL_PAYMENTS = catalog.LEDGER_PORTAL_PAYMENTS
COMMANDS = catalog.LEDGER_COMMANDS


def payment_command(event: PaymentCaptured) -> PaymentIn:
    """The card payment the portal captured, as the ledger records any payment."""
    return PaymentIn(
        ref=event.payment_ref,
        customer_ref=event.customer_ref,
        date=event.captured_at.date(),
        amount=event.amount.amount,
        currency=event.amount.currency,
        method=PaymentMethod.CARD,
        allocations=tuple(
            {"invoice_number": al.invoice_number, "amount": al.amount.amount}
            for al in event.allocations
        ),
    )


async def payment_captured(envelope: Envelope[Any], uow: UnitOfWork) -> None:
    """Record it (idempotent by payment ref); a payment the ledger refuses is a dead letter."""
    event: PaymentCaptured = envelope.payload
    try:
        cmd = payment_command(event)
        for al in event.allocations:
            if al.amount.currency != event.amount.currency:
                raise DomainError("allocations", "allocation currency differs from the payment's")
        await record_payment(uow, event.tenant, cmd)
    except (DomainError, ValueError) as exc:
        raise PermanentError(f"payment {event.payment_ref} refused: {exc}") from exc


QUEUES: tuple[QueueSpec, ...] = (PORTAL_PAYMENTS, COMMANDS)


def handlers(parts: LedgerParts) -> Handlers:
    """The ledger's handlers, bound to its parts (a card payment needs none of them)."""

    async def dunning_contact(envelope: Envelope[RecordDunningContact], uow: UnitOfWork) -> None:
        """Keep it (a duplicate delivery stops at the inbox); a command naming no known
        customer or a malformed email or phone is a dead letter."""
        cmd = envelope.payload
        try:
            await record_dunning_contact(uow, cmd, parts.clock.now())
        except DomainError as exc:
            where = ".".join(str(p) for p in exc.field) or "command"
            raise PermanentError(
                f"dunning contact for {cmd.customer_ref} refused: {where}: {exc.message}"
            ) from exc

    return {PaymentCaptured: payment_captured, RecordDunningContact: dunning_contact}
