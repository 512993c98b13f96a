"""The scheduler's clock: the system clock, or with ``ENCAISSE_SIMULATION=1`` a stored one.

The simulated time lives in the database so that every scheduler instance
reads the same instant; only the clock API sets or advances it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from encaisse.scheduler import db
from encaisse.scheduler.repo import Db


class Clock:
    def __init__(self, simulation: bool) -> None:
        self.simulation = simulation

    async def now(self, db_: Db) -> datetime:
        if not self.simulation:
            return datetime.now(UTC)
        stored = await db_.scalar(select(db.clock.c.now).where(db.clock.c.id == 1))
        return stored or datetime.now(UTC)

    async def set(self, db_: Db, when: datetime) -> datetime:
        if not self.simulation:
            raise RuntimeError("the clock can only be set in simulation mode")
        stmt = pg_insert(db.clock).values(id=1, now=when)
        await db_.execute(
            stmt.on_conflict_do_update(index_elements=["id"], set_={"now": stmt.excluded.now})
        )
        return when
