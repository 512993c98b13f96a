"""Dependencies shared by the ledger's routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.kit.auth import Admin, Collector, Viewer
from encaisse.kit.runtime import RuntimeDep


async def read_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """A session for reads; writes go through ``runtime.unit_of_work()`` in the route."""
    async with runtime.sessions() as session:
        yield session


Session = Annotated[AsyncSession, Depends(read_session)]

__all__ = ["Admin", "Collector", "RuntimeDep", "Session", "Viewer"]
