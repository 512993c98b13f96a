"""Customers as the scheduler keeps them: contacts, profile, exclusion, and their case."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from encaisse.scheduler import db
from encaisse.scheduler.repository.rows import LIVE, Conn


async def lock(conn: Conn, tenant: str, customer_ref: str) -> Any:
    """The customer's row, locked for this transaction (a placeholder if the ledger's is late)."""
    c = db.customers
    await conn.execute(
        pg_insert(c)
        .values(tenant=tenant, customer_ref=customer_ref, name=customer_ref)
        .on_conflict_do_nothing()
    )
    return (
        await conn.execute(
            select(c)
            .where(c.c.tenant == tenant, c.c.customer_ref == customer_ref)
            .with_for_update()
        )
    ).one()


async def one(conn: Conn, tenant: str, customer_ref: str) -> Any:
    """The customer's row, or None."""
    c = db.customers
    return (
        await conn.execute(select(c).where(c.c.tenant == tenant, c.c.customer_ref == customer_ref))
    ).first()


async def change(conn: Conn, tenant: str, customer_ref: str, **values: Any) -> None:
    """Set columns of the customer's row (contacts, profile, exclusion, a contact's flag)."""
    c = db.customers
    await conn.execute(
        update(c).where(c.c.tenant == tenant, c.c.customer_ref == customer_ref).values(values)
    )


async def follow_scenario(conn: Conn, tenant: str, customer_ref: str, scenario_code: str) -> None:
    """The customer's live invoices follow ``scenario_code`` from their next step on."""
    t = db.tracks
    await conn.execute(
        update(t)
        .where(t.c.tenant == tenant, t.c.customer_ref == customer_ref, t.c.state.in_(LIVE))
        .values(scenario_code=scenario_code)
    )
