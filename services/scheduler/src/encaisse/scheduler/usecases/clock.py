"""The scheduler's clock: the service's clock, or with ``ENCAISSE_SIMULATION=1`` a stored one.

The simulated time lives in the database so that every scheduler instance reads the
same instant; only the clock API sets or advances it. Until it is first set, and outside
simulation, it is the runtime's clock (``Runtime.clock``, a ``SettableClock`` in tests).
"""

from __future__ import annotations

from datetime import datetime

from encaisse.kit.clock import Clock
from encaisse.scheduler.repository import clock as stored_clock
from encaisse.scheduler.repository.rows import Conn


class SchedulerClock:
    def __init__(self, wall: Clock, simulation: bool) -> None:
        self.wall = wall
        self.simulation = simulation

    async def now(self, conn: Conn) -> datetime:
        if not self.simulation:
            return self.wall.now()
        return await stored_clock.stored(conn) or self.wall.now()

    async def set(self, conn: Conn, when: datetime) -> datetime:
        if not self.simulation:
            raise RuntimeError("the clock can only be set in simulation mode")
        await stored_clock.store(conn, when)
        return when
