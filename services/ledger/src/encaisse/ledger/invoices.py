"""One invoice: create or amend (through the set-based path), cancel, write off, read, list."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.bus.uow import UnitOfWork
from encaisse.contracts.ledger import InvoiceCancelled, InvoiceStatus, InvoiceWrittenOff
from encaisse.kit.failures import Conflict, DomainError, NotFound
from encaisse.ledger import db
from encaisse.ledger.domain import FINAL, SETTLEABLE
from encaisse.ledger.events import invoice_event
from encaisse.ledger.invoice_batch import apply_invoices
from encaisse.ledger.models import InvoiceIn

i = db.invoices


async def put_invoice(uow: UnitOfWork, tenant: str, number: str, data: InvoiceIn) -> bool:
    """Create or amend; True when created. Raises with the field at fault when refused."""
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
    result = await apply_invoices(uow.session, tenant, [record])
    if result.rejections:
        rejection = result.rejections[0]
        error = (
            Conflict if rejection.problem in ("final", "raced", "other_customer") else DomainError
        )
        raise error(rejection.field, rejection.reason)
    return result.created == 1


async def _locked(session: AsyncSession, tenant: str, number: str) -> Any:
    row = (
        (
            await session.execute(
                select(i).where(i.c.tenant == tenant, i.c.number == number).with_for_update()
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("number", f"no invoice {number!r}")
    return row


async def close_invoice(
    uow: UnitOfWork, tenant: str, number: str, status: InvoiceStatus
) -> dict[str, Any]:
    """Cancel or write off an invoice; doing it again changes nothing and publishes nothing.

    A cancelled invoice never existed for the debtor, so one that received money cannot be
    cancelled; writing off gives up what is left to pay, its open balance is kept as the loss.
    """
    row = await _locked(uow.session, tenant, number)
    if row["status"] == status:
        return dict(row)
    if row["status"] in FINAL or row["status"] == InvoiceStatus.PAID:
        raise Conflict("number", f"the invoice is {row['status']}")
    if status == InvoiceStatus.CANCELLED and row["status"] != InvoiceStatus.OPEN:
        raise Conflict("number", "a partially paid invoice cannot be cancelled")
    updated = (
        (
            await uow.session.execute(
                i.update()
                .where(i.c.tenant == tenant, i.c.number == number)
                .values(status=status.value, version=i.c.version + 1, updated_at=func.now())
                .returning(*i.columns)
            )
        )
        .mappings()
        .one()
    )
    cls = InvoiceCancelled if status == InvoiceStatus.CANCELLED else InvoiceWrittenOff
    await uow.publish(invoice_event(cls, updated), subject=number)
    return dict(updated)


async def get_invoice(session: AsyncSession, tenant: str, number: str) -> dict[str, Any]:
    row = (
        (await session.execute(select(i).where(i.c.tenant == tenant, i.c.number == number)))
        .mappings()
        .first()
    )
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
    query = select(i).where(i.c.tenant == tenant)
    if customer is not None:
        query = query.where(i.c.customer_ref == customer)
    if status is not None:
        query = query.where(i.c.status == status.value)
    if overdue_on is not None:
        query = query.where(
            i.c.due_date < overdue_on, i.c.status.in_([s.value for s in SETTLEABLE])
        )
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = (
        (
            await session.execute(
                query.order_by(i.c.due_date, i.c.number).limit(limit).offset(offset)
            )
        )
        .mappings()
        .all()
    )
    return total or 0, [dict(r) for r in rows]
