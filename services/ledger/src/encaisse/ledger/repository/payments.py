"""Rows of ``ledger.payments`` and ``ledger.allocations``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import RowMapping, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.ledger import db

p, a = db.payments, db.allocations


async def get_payment(
    session: AsyncSession, tenant: str, ref: str, *, lock: bool = False
) -> RowMapping | None:
    query = select(p).where(p.c.tenant == tenant, p.c.ref == ref)
    result = await session.execute(query.with_for_update() if lock else query)
    return result.mappings().first()


async def allocations(session: AsyncSession, tenant: str, ref: str) -> list[RowMapping]:
    """The payment's allocations (``invoice_number``, ``amount``), by invoice number."""
    result = await session.execute(
        select(a.c.invoice_number, a.c.amount)
        .where(a.c.tenant == tenant, a.c.payment_ref == ref)
        .order_by(a.c.invoice_number)
    )
    return list(result.mappings().all())


async def insert_payment(
    session: AsyncSession,
    tenant: str,
    *,
    ref: str,
    customer_ref: str,
    paid_on: date,
    amount: Decimal,
    currency: str,
    method: str,
    unallocated: Decimal,
) -> bool:
    """False when a payment ``ref`` exists (recorded meanwhile by a concurrent delivery)."""
    inserted = await session.execute(
        insert(p)
        .values(
            tenant=tenant,
            ref=ref,
            customer_ref=customer_ref,
            paid_on=paid_on,
            amount=amount,
            currency=currency,
            method=method,
            unallocated=unallocated,
            version=1,
        )
        .on_conflict_do_nothing()
        .returning(p.c.ref)
    )
    return inserted.first() is not None


async def insert_allocation(
    session: AsyncSession, tenant: str, payment_ref: str, invoice_number: str, amount: Decimal
) -> None:
    await session.execute(
        insert(a).values(
            tenant=tenant, payment_ref=payment_ref, invoice_number=invoice_number, amount=amount
        )
    )


async def paying_refs(session: AsyncSession, tenant: str, invoice_number: str) -> list[str]:
    """The references of the payments (not rejected) allocated to an invoice, in order."""
    result = await session.execute(
        select(a.c.payment_ref)
        .join(p, (p.c.tenant == a.c.tenant) & (p.c.ref == a.c.payment_ref))
        .where(
            a.c.tenant == tenant,
            a.c.invoice_number == invoice_number,
            p.c.status == "received",
        )
        .order_by(a.c.payment_ref)
    )
    return list(result.scalars().all())


async def mark_rejected(
    session: AsyncSession, tenant: str, ref: str, rejected_on: date, reason: str | None
) -> int:
    """The payment's version after marking it rejected."""
    result = await session.execute(
        p.update()
        .where(p.c.tenant == tenant, p.c.ref == ref)
        .values(
            status="rejected",
            rejected_on=rejected_on,
            rejection_reason=reason,
            version=p.c.version + 1,
            updated_at=func.now(),
        )
        .returning(p.c.version)
    )
    version: int = result.scalar_one()
    return version


async def payment_refs(session: AsyncSession, tenant: str) -> set[str]:
    """Every payment reference of the tenant (the demo data leaves those alone)."""
    return set((await session.execute(select(p.c.ref).where(p.c.tenant == tenant))).scalars())
