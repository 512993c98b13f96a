"""The read model's writes: each row keeps the version of the event that wrote it, and an
upsert only applies a newer one, so duplicates and late, older events change nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.portal import db


async def _upsert(
    session: AsyncSession, table: Table, keys: tuple[str, ...], row: dict[str, Any]
) -> None:
    stmt = insert(table).values(**row)
    changed = {k: stmt.excluded[k] for k in row if k not in keys}
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=list(keys),
            set_=changed,
            where=table.c.version < stmt.excluded.version,
        )
    )


async def save_customer(session: AsyncSession, row: dict[str, Any]) -> None:
    await _upsert(session, db.customers, ("tenant", "customer_ref"), row)


async def save_invoice(session: AsyncSession, row: dict[str, Any]) -> None:
    await _upsert(session, db.invoices, ("tenant", "invoice_number"), row)


async def save_payment(session: AsyncSession, row: dict[str, Any]) -> None:
    await _upsert(session, db.payments, ("tenant", "payment_ref"), row)


async def reject_payment(
    session: AsyncSession, tenant: str, payment_ref: str, version: int
) -> None:
    await session.execute(
        db.payments.update()
        .where(
            db.payments.c.tenant == tenant,
            db.payments.c.payment_ref == payment_ref,
            db.payments.c.version < version,
        )
        .values(status="rejected", version=version)
    )


async def save_report(session: AsyncSession, row: dict[str, Any]) -> None:
    """A message's or letter's history row: the first report's time is when it was sent;
    later ones only move the status."""
    stmt = insert(db.history).values(**row)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["tenant", "item_id"],
            set_={
                "status": stmt.excluded.status,
                "detail": stmt.excluded.detail,
                "updated_at": stmt.excluded.updated_at,
                "version": stmt.excluded.version,
            },
            where=db.history.c.version < stmt.excluded.version,
        )
    )


async def save_notice(
    session: AsyncSession,
    tenant: str,
    idempotency_key: str,
    customer_ref: str,
    template: str,
    invoice_numbers: list[str],
    position: dict[str, Any] | None = None,
) -> None:
    await session.execute(
        insert(db.notices)
        .values(
            tenant=tenant,
            idempotency_key=idempotency_key,
            customer_ref=customer_ref,
            template=template,
            invoice_numbers=invoice_numbers,
            position=position,
        )
        .on_conflict_do_nothing()
    )
