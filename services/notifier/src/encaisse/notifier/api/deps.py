"""Dependencies shared by the routers: all read the runtime the app started with."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends

from encaisse.bus.uow import UnitOfWork
from encaisse.kit.auth import Admin, Viewer
from encaisse.kit.clock import Clock
from encaisse.kit.runtime import RuntimeDep
from encaisse.notifier.app import NotifierParts
from encaisse.notifier.settings import NotifierSettings


def get_parts(runtime: RuntimeDep) -> NotifierParts:
    parts: NotifierParts = runtime.parts
    return parts


Parts = Annotated[NotifierParts, Depends(get_parts)]


def get_settings(parts: Parts) -> NotifierSettings:
    return parts.settings


SettingsDep = Annotated[NotifierSettings, Depends(get_settings)]


def get_clock(runtime: RuntimeDep) -> Clock:
    return runtime.clock


ClockDep = Annotated[Clock, Depends(get_clock)]


async def unit_of_work(runtime: RuntimeDep) -> AsyncIterator[UnitOfWork]:
    """One transaction with the outbox, for reads too: commits when the route returns,
    before the answer leaves (``scope="function"``); rolls back when it raises."""
    async with runtime.unit_of_work() as uow:
        yield uow


Uow = Annotated[UnitOfWork, Depends(unit_of_work, scope="function")]

__all__ = ["Admin", "ClockDep", "Parts", "RuntimeDep", "SettingsDep", "Uow", "Viewer"]
