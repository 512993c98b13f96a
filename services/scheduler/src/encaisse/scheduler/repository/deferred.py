"""Messages waiting for the sending window (a thank-you, an act sent again)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from encaisse.scheduler import db
from encaisse.scheduler.repository import tracks
from encaisse.scheduler.repository.rows import Conn


async def add(conn: Conn, **values: Any) -> None:
    """A message to send at ``due_at`` (the same key waiting already: nothing more)."""
    await conn.execute(pg_insert(db.deferred).values(**values).on_conflict_do_nothing())


async def put_back(conn: Conn, rows: list[Any]) -> None:
    """Messages the day run took off the table and could not send (customer held)."""
    if rows:
        await conn.execute(
            pg_insert(db.deferred).on_conflict_do_nothing(), [row._asdict() for row in rows]
        )


async def waiting(conn: Conn, tenant: str, customer_ref: str, template: str) -> Any:
    """The customer's message of ``template`` waiting (not an act sent again), or None."""
    d = db.deferred
    return (
        await conn.execute(
            select(d)
            .where(
                d.c.tenant == tenant,
                d.c.customer_ref == customer_ref,
                d.c.template == template,
                ~d.c.resend,
            )
            .order_by(d.c.due_at)
            .limit(1)
            .with_for_update()
        )
    ).first()


async def gather(
    conn: Conn,
    tenant: str,
    command_key: str,
    invoice_numbers: list[str],
    balances: dict[str, str],
    payments: list[dict[str, str]],
) -> None:
    """What a waiting message lists, grown (a thank-you gathering one more payment)."""
    d = db.deferred
    await conn.execute(
        update(d)
        .where(d.c.tenant == tenant, d.c.command_key == command_key)
        .values(invoice_numbers=invoice_numbers, balances=balances, payments=payments)
    )


DUE = text("""
DELETE FROM scheduler.deferred d
USING unnest(CAST(:tenants AS text[]), CAST(:refs AS text[])) AS k(tenant, ref)
WHERE d.tenant = k.tenant AND d.customer_ref = k.ref AND d.due_at <= :now
RETURNING d.*
""")


async def take_due(
    conn: Conn, keys: dict[str, list[str]], now: datetime
) -> tuple[dict[tuple[str, str], list[Any]], dict[tuple[str, str], Any]]:
    """The claimed customers' messages whose window has opened (taken off the table),
    and the invoices they list."""
    waiting: dict[tuple[str, str], list[Any]] = defaultdict(list)
    pairs: set[tuple[str, str]] = set()
    for row in (await conn.execute(DUE, {**keys, "now": now})).all():
        waiting[(row.tenant, row.customer_ref)].append(row)
        pairs |= {(row.tenant, n) for n in row.invoice_numbers}
    return waiting, await tracks.by_numbers(conn, pairs)
