"""Dependencies shared by the scheduler's routers."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request

from encaisse.bus.uow import UnitOfWork
from encaisse.kit.runtime import RuntimeDep
from encaisse.scheduler import repo
from encaisse.scheduler.clock import Clock
from encaisse.scheduler.settings import SchedulerSettings


def get_clock(request: Request) -> Clock:
    return request.app.state.clock


def get_settings(request: Request) -> SchedulerSettings:
    return request.app.state.settings


ClockDep = Annotated[Clock, Depends(get_clock)]
SettingsDep = Annotated[SchedulerSettings, Depends(get_settings)]
Rt = RuntimeDep


async def now_of(uow: UnitOfWork, clock: Clock, tenant: str) -> datetime:
    await repo.ensure_tenant(uow.session, tenant)
    return await clock.now(uow.session)


def forgets_rules(endpoint: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """After an endpoint that changes a tenant's rules has committed, drop the cached ones."""

    @functools.wraps(endpoint)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return await endpoint(*args, **kwargs)
        finally:
            repo.forget(kwargs["staff"].tenant)

    return wrapper
