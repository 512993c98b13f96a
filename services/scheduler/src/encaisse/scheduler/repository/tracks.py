"""Invoice tracks: one row per invoice, with its place in its scenario."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text, update

from encaisse.scheduler import db
from encaisse.scheduler.domain.planning import Track
from encaisse.scheduler.repository.rows import Conn, track_values


async def of_customer(
    conn: Conn, tenant: str, customer_ref: str, numbers: Sequence[str] | None = None
) -> list[Any]:
    """The customer's invoice rows (those of ``numbers``), by invoice number."""
    t = db.tracks
    query = t.select().where(t.c.tenant == tenant, t.c.customer_ref == customer_ref)
    if numbers is not None:
        query = query.where(t.c.invoice_number.in_(list(numbers)))
    return list((await conn.execute(query.order_by(t.c.invoice_number))).all())


async def save(conn: Conn, tenant: str, track: Track) -> None:
    t = db.tracks
    await conn.execute(
        update(t)
        .where(t.c.tenant == tenant, t.c.invoice_number == track.invoice_number)
        .values(**track_values(track))
    )


async def add(conn: Conn, tenant: str, invoice: dict[str, Any], track: Track) -> None:
    """A new invoice's row, as the ledger sent it, on its track."""
    await conn.execute(
        db.tracks.insert().values(
            tenant=tenant,
            invoice_number=track.invoice_number,
            **{**invoice, **track_values(track)},
        )
    )


async def change_invoice(conn: Conn, tenant: str, invoice: dict[str, Any], track: Track) -> None:
    """An invoice's row as the ledger now has it, on its track."""
    t = db.tracks
    await conn.execute(
        update(t)
        .where(t.c.tenant == tenant, t.c.invoice_number == track.invoice_number)
        .values({**invoice, **track_values(track)})
    )


async def set_excluded(
    conn: Conn, tenant: str, customer_ref: str, invoice_number: str, excluded: bool
) -> bool:
    """Exclude an invoice from automation (or include it again); False: no such invoice."""
    t = db.tracks
    done = await conn.execute(
        update(t)
        .where(
            t.c.tenant == tenant,
            t.c.customer_ref == customer_ref,
            t.c.invoice_number == invoice_number,
        )
        .values(excluded=excluded)
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]  # a CursorResult for a DML


BY_NUMBERS = text("""
SELECT t.* FROM scheduler.tracks t
JOIN unnest(CAST(:tenants AS text[]), CAST(:numbers AS text[])) AS k(tenant, number)
  ON t.tenant = k.tenant AND t.invoice_number = k.number
""")


async def by_numbers(conn: Conn, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    """Invoice rows of several tenants at once, by (tenant, invoice number)."""
    if not pairs:
        return {}
    rows = (
        await conn.execute(
            BY_NUMBERS, {"tenants": [p[0] for p in pairs], "numbers": [p[1] for p in pairs]}
        )
    ).all()
    return {(r.tenant, r.invoice_number): r for r in rows}
