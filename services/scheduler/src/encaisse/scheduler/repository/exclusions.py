"""Staff's exclusions of a customer or one of its invoices: a reason, who set it, an
optional end; the flags the day run reads (``customers.staff_excluded``,
``tracks.excluded``) follow the active ones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Date, DateTime, cast, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from encaisse.scheduler import db
from encaisse.scheduler.repository.rows import Conn

CUSTOMER = ""  # the invoice_number of an exclusion of the whole customer
ACTIVE = "active"


async def add(conn: Conn, **values: Any) -> Any:
    """A new active exclusion; None when one is active already for the same target."""
    e = db.exclusions
    made = await conn.execute(pg_insert(e).values(**values).on_conflict_do_nothing().returning(e))
    return made.first()


async def active(conn: Conn, tenant: str, customer_ref: str, invoice_number: str) -> Any:
    """The active exclusion of a customer (``CUSTOMER``) or of one invoice, locked."""
    e = db.exclusions
    return (
        await conn.execute(
            select(e)
            .where(
                e.c.tenant == tenant,
                e.c.customer_ref == customer_ref,
                e.c.invoice_number == invoice_number,
                e.c.status == ACTIVE,
            )
            .with_for_update()
        )
    ).first()


async def one(conn: Conn, tenant: str, exclusion_id: str, *, lock: bool = False) -> Any:
    e = db.exclusions
    query = select(e).where(e.c.tenant == tenant, e.c.id == exclusion_id)
    return (await conn.execute(query.with_for_update() if lock else query)).first()


async def end(conn: Conn, exclusion_id: str, status: str, by: str, at: datetime) -> Any:
    """Lift (``lifted``) or lapse (``lapsed``) an active exclusion; None if it was not."""
    e = db.exclusions
    return (
        await conn.execute(
            update(e)
            .where(e.c.id == exclusion_id, e.c.status == ACTIVE)
            .values(status=status, ended_by=by, ended_at=at)
            .returning(e)
        )
    ).first()


async def listed(
    conn: Conn, tenant: str, customer_ref: str | None, status: str | None
) -> list[Any]:
    e = db.exclusions
    query = select(e).where(e.c.tenant == tenant)
    if customer_ref is not None:
        query = query.where(e.c.customer_ref == customer_ref)
    if status is not None:
        query = query.where(e.c.status == status)
    return list((await conn.execute(query.order_by(e.c.set_at, e.c.id))).all())


async def set_customer_flag(conn: Conn, tenant: str, customer_ref: str, excluded: bool) -> None:
    c = db.customers
    await conn.execute(
        update(c)
        .where(c.c.tenant == tenant, c.c.customer_ref == customer_ref)
        .values(staff_excluded=excluded)
    )


async def lapsing(conn: Conn, now: datetime, limit: int) -> list[Any]:
    """Active exclusions whose end date has come in their customer's time zone (ids,
    tenant, customer), oldest first; not locked (the act locks the customer first)."""
    e, c = db.exclusions, db.customers
    zone = func.coalesce(c.c.timezone, "UTC")
    today = cast(func.timezone(zone, literal(now, DateTime(timezone=True))), Date)
    query = (
        select(e.c.id, e.c.tenant, e.c.customer_ref)
        .select_from(
            e.outerjoin(c, (c.c.tenant == e.c.tenant) & (c.c.customer_ref == e.c.customer_ref))
        )
        .where(e.c.status == ACTIVE, e.c.until.is_not(None), e.c.until <= today)
        .order_by(e.c.until, e.c.id)
        .limit(limit)
    )
    return list((await conn.execute(query)).all())
