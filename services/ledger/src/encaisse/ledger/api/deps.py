"""Dependencies shared by the ledger's routers, all from the runtime the app started."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from encaisse.kit.auth import Admin, Collector, Viewer
from encaisse.kit.deps import ClockDep, ReadSession
from encaisse.kit.runtime import RuntimeDep
from encaisse.ledger.app import LedgerParts


def get_parts(runtime: RuntimeDep) -> LedgerParts:
    parts: LedgerParts = runtime.parts
    return parts


Parts = Annotated[LedgerParts, Depends(get_parts)]
Session = ReadSession  # reads; writes go through ``runtime.unit_of_work()`` in the route

__all__ = ["Admin", "ClockDep", "Collector", "Parts", "RuntimeDep", "Session", "Viewer"]
