"""Rows of ``ledger.invoices``, one at a time (sets go through ``invoice_batch``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import RowMapping, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.contracts.ledger import InvoiceStatus
from encaisse.ledger import db
from encaisse.ledger.domain import SETTLEABLE

i = db.invoices
_SETTLEABLE = [s.value for s in SETTLEABLE]


async def get_invoice(
    session: AsyncSession, tenant: str, number: str, *, lock: bool = False
) -> RowMapping | None:
    query = select(i).where(i.c.tenant == tenant, i.c.number == number)
    result = await session.execute(query.with_for_update() if lock else query)
    return result.mappings().first()


async def set_status(
    session: AsyncSession, tenant: str, number: str, status: InvoiceStatus
) -> RowMapping:
    """The invoice's row with its new status, its version bumped."""
    result = await session.execute(
        i.update()
        .where(i.c.tenant == tenant, i.c.number == number)
        .values(status=status.value, version=i.c.version + 1, updated_at=func.now())
        .returning(*i.columns)
    )
    return result.mappings().one()


async def set_balance(
    session: AsyncSession, tenant: str, number: str, balance: Decimal, status: InvoiceStatus
) -> RowMapping:
    """The invoice's row with its new open balance and status, its version bumped."""
    result = await session.execute(
        i.update()
        .where(i.c.tenant == tenant, i.c.number == number)
        .values(
            open_balance=balance,
            status=status.value,
            version=i.c.version + 1,
            updated_at=func.now(),
        )
        .returning(*i.columns)
    )
    return result.mappings().one()


async def open_invoices(session: AsyncSession, tenant: str, customer_ref: str) -> list[RowMapping]:
    """A customer's invoices still to be paid, due first."""
    result = await session.execute(
        select(i)
        .where(i.c.tenant == tenant, i.c.customer_ref == customer_ref, i.c.status.in_(_SETTLEABLE))
        .order_by(i.c.due_date, i.c.number)
    )
    return list(result.mappings().all())


async def lock_for_payment(
    session: AsyncSession,
    tenant: str,
    *,
    numbers: Sequence[str] = (),
    customer_ref: str = "",
    currency: str = "",
) -> list[RowMapping]:
    """Locked, by number: the invoices ``numbers`` names, or without numbers the customer's
    invoices in ``currency`` still to be paid."""
    query = select(i).where(i.c.tenant == tenant).order_by(i.c.number).with_for_update()
    if numbers:
        query = query.where(i.c.number.in_(list(numbers)))
    else:
        query = query.where(
            i.c.customer_ref == customer_ref,
            i.c.currency == currency,
            i.c.status.in_(_SETTLEABLE),
        )
    return list((await session.execute(query)).mappings().all())


async def list_invoices(
    session: AsyncSession,
    tenant: str,
    *,
    customer: str | None,
    status: InvoiceStatus | None,
    overdue_on: date | None,
    limit: int,
    offset: int,
) -> tuple[int, list[RowMapping]]:
    """A page of invoices, due first; ``overdue_on``: still to be paid and due before that day."""
    query = select(i).where(i.c.tenant == tenant)
    if customer is not None:
        query = query.where(i.c.customer_ref == customer)
    if status is not None:
        query = query.where(i.c.status == status.value)
    if overdue_on is not None:
        query = query.where(i.c.due_date < overdue_on, i.c.status.in_(_SETTLEABLE))
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.execute(
        query.order_by(i.c.due_date, i.c.number).limit(limit).offset(offset)
    )
    return total or 0, list(rows.mappings().all())


async def invoice_numbers(session: AsyncSession, tenant: str) -> set[str]:
    """Every invoice number of the tenant (the demo data leaves those alone)."""
    return set((await session.execute(select(i.c.number).where(i.c.tenant == tenant))).scalars())
