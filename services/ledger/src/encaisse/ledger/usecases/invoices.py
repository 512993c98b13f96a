"""One invoice: create or amend (through the set-based path), cancel, write off, read, list."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.bus.uow import UnitOfWork
from encaisse.contracts.ledger import InvoiceCancelled, InvoiceStatus, InvoiceWrittenOff
from encaisse.kit.failures import Conflict, DomainError, NotFound
from encaisse.ledger.domain import FINAL
from encaisse.ledger.domain.events import invoice_event
from encaisse.ledger.models import InvoiceIn
from encaisse.ledger.repository import invoices
from encaisse.ledger.repository.invoice_batch import apply_invoices


async def put_invoice(
    uow: UnitOfWork, tenant: str, number: str, data: InvoiceIn, now: datetime
) -> bool:
    """Create or amend; True when created. Raises with the field at fault when refused.
    ``now``: the time of its event (the service's clock)."""
    record = (
        0,
        number,
        data.customer_ref,
        data.issue_date.isoformat(),
        data.due_date.isoformat(),
        str(data.amount),
        data.currency,
        data.pdf_url,
    )
    result = await apply_invoices(uow.session, tenant, [record], now)
    if result.rejections:
        rejection = result.rejections[0]
        error = (
            Conflict if rejection.problem in ("final", "raced", "other_customer") else DomainError
        )
        raise error(rejection.field, rejection.reason)
    return result.created == 1


async def close_invoice(
    uow: UnitOfWork, tenant: str, number: str, status: InvoiceStatus
) -> dict[str, Any]:
    """Cancel or write off an invoice; doing it again changes nothing and publishes nothing.

    A cancelled invoice never existed for the debtor, so one that received money cannot be
    cancelled; writing off gives up what is left to pay, its open balance is kept as the loss.
    """
    row = await invoices.get_invoice(uow.session, tenant, number, lock=True)
    if row is None:
        raise NotFound("number", f"no invoice {number!r}")
    if row["status"] == status:
        return dict(row)
    if row["status"] in FINAL or row["status"] == InvoiceStatus.PAID:
        raise Conflict("number", f"the invoice is {row['status']}")
    if status == InvoiceStatus.CANCELLED and row["status"] != InvoiceStatus.OPEN:
        raise Conflict("number", "a partially paid invoice cannot be cancelled")
    updated = await invoices.set_status(uow.session, tenant, number, status)
    cls = InvoiceCancelled if status == InvoiceStatus.CANCELLED else InvoiceWrittenOff
    await uow.publish(invoice_event(cls, updated), subject=number)
    return dict(updated)


async def get_invoice(session: AsyncSession, tenant: str, number: str) -> dict[str, Any]:
    row = await invoices.get_invoice(session, tenant, number)
    if row is None:
        raise NotFound("number", f"no invoice {number!r}")
    return dict(row)


async def list_invoices(
    session: AsyncSession,
    tenant: str,
    *,
    customer: str | None,
    status: InvoiceStatus | None,
    overdue_on: date | None,
    limit: int,
    offset: int,
) -> tuple[int, list[dict[str, Any]]]:
    """A page of invoices, due first; ``overdue_on``: still to be paid and due before that day."""
    total, rows = await invoices.list_invoices(
        session,
        tenant,
        customer=customer,
        status=status,
        overdue_on=overdue_on,
        limit=limit,
        offset=offset,
    )
    return total, [dict(r) for r in rows]
