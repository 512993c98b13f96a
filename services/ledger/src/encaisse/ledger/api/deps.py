"""Dependencies shared by the ledger's routers, all from the runtime the app started."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends

from encaisse.kit.auth import Admin, Collector, Viewer
from encaisse.kit.clock import Clock
from encaisse.kit.runtime import RuntimeDep
from encaisse.ledger.app import LedgerParts
from encaisse.ledger.repository import Session as ReadSession


def get_parts(runtime: RuntimeDep) -> LedgerParts:
    parts: LedgerParts = runtime.parts
    return parts


def get_clock(runtime: RuntimeDep) -> Clock:
    return runtime.clock


async def read_session(runtime: RuntimeDep) -> AsyncIterator[ReadSession]:
    """A session for reads; writes go through ``runtime.unit_of_work()`` in the route."""
    async with runtime.sessions() as session:
        yield session


Parts = Annotated[LedgerParts, Depends(get_parts)]
ClockDep = Annotated[Clock, Depends(get_clock)]
Session = Annotated[ReadSession, Depends(read_session)]

__all__ = ["Admin", "ClockDep", "Collector", "Parts", "RuntimeDep", "Session", "Viewer"]
