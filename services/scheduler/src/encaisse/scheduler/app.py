"""Composition root of the scheduler: its parts (its clock, what it keeps of its tenants),
the bus handlers, the day-run loop, the API."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from encaisse.kit.app import create_app
from encaisse.kit.clock import Clock
from encaisse.kit.runtime import Runtime, start_runtime
from encaisse.scheduler import db
from encaisse.scheduler.handlers import QUEUES, handlers
from encaisse.scheduler.repository.tenants import Tenants
from encaisse.scheduler.settings import SchedulerSettings
from encaisse.scheduler.usecases.casework import run_casework
from encaisse.scheduler.usecases.clock import SchedulerClock
from encaisse.scheduler.usecases.dayrun import run_due

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SchedulerParts:
    """The scheduler's own dependencies, bound once per runtime."""

    settings: SchedulerSettings
    clock: SchedulerClock  # the simulated clock, reading the runtime's for the wall time
    tenants: Tenants  # which tenants are seeded, their rules kept a couple of seconds


async def run_today(runtime: Runtime[SchedulerParts]) -> None:
    """Run what is due; every instance does, SKIP LOCKED shares the work."""
    parts = runtime.parts
    async with runtime.engine.connect() as conn:
        now = await parts.clock.now(conn)
    stats = await run_due(runtime.engine, now, batch_size=parts.settings.run_batch_size)
    if stats.customers:
        log.info("day run: %s", stats)


def bootstrap(
    settings: SchedulerSettings, clock: Clock | None = None
) -> AbstractAsyncContextManager[Runtime[SchedulerParts]]:
    @asynccontextmanager
    async def start() -> AsyncIterator[Runtime[SchedulerParts]]:
        async with start_runtime(
            settings,
            outbox=db.outbox,
            inbox=db.inbox,
            parts=lambda runtime: SchedulerParts(
                settings,
                SchedulerClock(runtime.clock, settings.simulation),
                Tenants(runtime.engine),
            ),
            consumers=lambda parts: [(spec, handlers(parts)) for spec in QUEUES],
            clock=clock,
        ) as runtime:
            runtime.every(settings.run_interval_seconds, lambda: run_today(runtime), "day run")
            runtime.every(
                settings.casework_interval_seconds, lambda: run_casework(runtime), "casework"
            )
            yield runtime

    return start()


def build_app(settings: SchedulerSettings, clock: Clock | None = None) -> FastAPI:
    from encaisse.scheduler.api import ROUTERS  # the routes' deps read SchedulerParts from here

    def start(_: Any) -> AbstractAsyncContextManager[Runtime[SchedulerParts]]:
        return bootstrap(settings, clock)

    return create_app(
        settings,
        title="Encaisse scheduler",
        description="Profiles, scenarios, dunning cases, disputes, promises, collector tasks "
        "and the clock. Staff bearer token required.",
        routers=ROUTERS,
        start=start,
    )
