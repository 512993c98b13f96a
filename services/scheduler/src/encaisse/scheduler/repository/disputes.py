"""Disputes and promises to pay."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import any_, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from encaisse.scheduler import db
from encaisse.scheduler.repository.rows import Conn


async def add_dispute(conn: Conn, **values: Any) -> None:
    """A dispute (a replayed one, same id, adds nothing)."""
    await conn.execute(pg_insert(db.disputes).values(**values).on_conflict_do_nothing())


async def dispute(conn: Conn, tenant: str, dispute_id: str, *, lock: bool = False) -> Any:
    """The dispute's row, or None."""
    d = db.disputes
    query = select(d).where(d.c.tenant == tenant, d.c.id == dispute_id)
    return (await conn.execute(query.with_for_update() if lock else query)).first()


async def disputes(conn: Conn, tenant: str, status: str | None = None) -> list[Any]:
    d = db.disputes
    query = select(d).where(d.c.tenant == tenant).order_by(d.c.opened_at)
    if status:
        query = query.where(d.c.status == status)
    return list((await conn.execute(query)).all())


async def resolve(conn: Conn, dispute_id: str, at: datetime, by: str, resolution: str) -> None:
    d = db.disputes
    await conn.execute(
        update(d)
        .where(d.c.id == dispute_id)
        .values(status="resolved", resolved_at=at, resolved_by=by, resolution=resolution)
    )


async def still_disputed(conn: Conn, tenant: str, invoice_number: str) -> bool:
    """Whether another dispute of the invoice is open."""
    d = db.disputes
    found = await conn.scalar(
        select(d.c.id)
        .where(d.c.tenant == tenant, d.c.invoice_number == invoice_number, d.c.status == "open")
        .limit(1)
    )
    return found is not None


async def add_promise(conn: Conn, **values: Any) -> None:
    """A promise to pay (a replayed one, same id, adds nothing)."""
    await conn.execute(pg_insert(db.promises).values(**values).on_conflict_do_nothing())


async def promises(conn: Conn, tenant: str, promise_id: str | None = None) -> list[Any]:
    p = db.promises
    query = select(p).where(p.c.tenant == tenant).order_by(p.c.made_at)
    if promise_id:
        query = query.where(p.c.id == promise_id)
    return list((await conn.execute(query)).all())


async def promise_kept(conn: Conn, tenant: str, number: str) -> None:
    """The open promises listing the invoice are kept (it is paid or no longer owed)."""
    p = db.promises
    await conn.execute(
        update(p)
        .where(
            p.c.tenant == tenant, p.c.status == "open", literal(number) == any_(p.c.invoice_numbers)
        )
        .values(status="kept")
    )
