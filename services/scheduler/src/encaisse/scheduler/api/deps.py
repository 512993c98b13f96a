"""Dependencies shared by the scheduler's routers: the runtime (typed with the scheduler's
parts), its parts, its clock, staff roles. Routes open their unit of work from the runtime
(``rt.unit_of_work()``) and commit before they answer."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, cast

from fastapi import Depends

from encaisse.kit.auth import Admin, Collector, Viewer
from encaisse.kit.runtime import Runtime, get_runtime
from encaisse.scheduler.app import SchedulerParts
from encaisse.scheduler.usecases.clock import SchedulerClock


def get_scheduler(
    runtime: Annotated[Runtime[Any], Depends(get_runtime)],
) -> Runtime[SchedulerParts]:
    return cast(Runtime[SchedulerParts], runtime)


RuntimeDep = Annotated[Runtime[SchedulerParts], Depends(get_scheduler)]


def get_parts(runtime: RuntimeDep) -> SchedulerParts:
    return runtime.parts


Parts = Annotated[SchedulerParts, Depends(get_parts)]


def get_clock(parts: Parts) -> SchedulerClock:
    return parts.clock


ClockDep = Annotated[SchedulerClock, Depends(get_clock)]


def forgets_rules(endpoint: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """After an endpoint that changes a tenant's rules has committed, this instance drops
    what it kept of them (the endpoint takes ``staff`` and ``parts``)."""

    @functools.wraps(endpoint)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return await endpoint(*args, **kwargs)
        finally:
            kwargs["parts"].tenants.forget(kwargs["staff"].tenant)

    return wrapper


__all__ = ["Admin", "ClockDep", "Collector", "Parts", "RuntimeDep", "Viewer", "forgets_rules"]
