"""A customer's timeline (everything done, skipped or planned, as evidence) and the days
each channel was used for it."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from encaisse.scheduler import db
from encaisse.scheduler.repository.rows import Conn


async def add(conn: Conn, rows: list[dict[str, Any]]) -> None:
    """Timeline entries (``rows.timeline_row``)."""
    if rows:
        await conn.execute(db.timeline.insert(), rows)


async def of_customer(conn: Conn, tenant: str, customer_ref: str) -> list[Any]:
    t = db.timeline
    return list(
        (
            await conn.execute(
                select(t)
                .where(t.c.tenant == tenant, t.c.customer_ref == customer_ref)
                .order_by(t.c.at, t.c.id)
            )
        ).all()
    )


async def sent_or_waiting(conn: Conn, tenant: str, command_key: str) -> bool:
    """Whether the act ``command_key`` names was sent, or waits to be."""
    t = db.timeline
    found = await conn.scalar(
        select(t.c.id)
        .where(
            t.c.tenant == tenant, t.c.command_key == command_key, t.c.kind.in_(("done", "deferred"))
        )
        .limit(1)
    )
    return found is not None


async def last_sent(conn: Conn, tenant: str, customer_ref: str, template: str) -> Any:
    """When the customer was last sent a message of ``template`` (None: never)."""
    t = db.timeline
    return await conn.scalar(
        select(db.func.max(t.c.at)).where(
            t.c.tenant == tenant,
            t.c.customer_ref == customer_ref,
            t.c.kind == "done",
            t.c.template == template,
        )
    )


async def sent_as(conn: Conn, tenant: str, command_key: str) -> Any:
    """The timeline entry of what ``command_key`` sent (or the task it opened), or None."""
    t = db.timeline
    return (
        await conn.execute(
            select(t)
            .where(
                t.c.tenant == tenant, t.c.command_key == command_key, t.c.kind.in_(("done", "task"))
            )
            .limit(1)
        )
    ).first()


async def channel_used(conn: Conn, tenant: str, customer_ref: str, channel: str, day: date) -> None:
    """``channel`` carried a message to the customer on ``day``."""
    await conn.execute(
        pg_insert(db.channel_days)
        .values(tenant=tenant, customer_ref=customer_ref, channel=channel, day=day)
        .on_conflict_do_nothing()
    )
