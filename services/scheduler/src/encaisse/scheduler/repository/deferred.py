"""Messages waiting for the sending window (a thank-you, an act sent again)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import text
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
