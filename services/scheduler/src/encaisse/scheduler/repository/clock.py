"""The simulated time, stored so that every scheduler instance reads the same instant."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from encaisse.scheduler import db
from encaisse.scheduler.repository.rows import Conn


async def stored(conn: Conn) -> datetime | None:
    return await conn.scalar(select(db.clock.c.now).where(db.clock.c.id == 1))


async def store(conn: Conn, when: datetime) -> None:
    stmt = pg_insert(db.clock).values(id=1, now=when)
    await conn.execute(
        stmt.on_conflict_do_update(index_elements=["id"], set_={"now": stmt.excluded.now})
    )
