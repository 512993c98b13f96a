"""The route dependencies every service shares, all read from the runtime its app started
(``request.app.state.runtime``, set by the lifespan). A service's ``api/deps.py``
re-exports them beside its own (its parts, its settings class)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.bus.uow import UnitOfWork
from encaisse.kit.clock import Clock
from encaisse.kit.runtime import RuntimeDep


def get_clock(runtime: RuntimeDep) -> Clock:
    return runtime.clock


async def read_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """A session for reads (no transaction held open by the route)."""
    async with runtime.sessions() as session:
        yield session


async def unit_of_work(runtime: RuntimeDep) -> AsyncIterator[UnitOfWork]:
    """One transaction with the outbox: committed when the route returns and before the
    answer leaves (``scope="function"``: a client that reads right after sees what it
    wrote), rolled back when the route raises."""
    async with runtime.unit_of_work() as uow:
        yield uow


ClockDep = Annotated[Clock, Depends(get_clock)]
ReadSession = Annotated[AsyncSession, Depends(read_session)]
Uow = Annotated[UnitOfWork, Depends(unit_of_work, scope="function")]
