"""Composition root of the scheduler: the clock, the bus handlers, the day-run loop, the API."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from encaisse.kit.app import create_app
from encaisse.kit.runtime import Runtime, every, start_runtime
from encaisse.scheduler import db
from encaisse.scheduler.api import ROUTERS
from encaisse.scheduler.clock import Clock
from encaisse.scheduler.dayrun import run_due
from encaisse.scheduler.handlers import QUEUES, handlers
from encaisse.scheduler.settings import SchedulerSettings

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"
log = logging.getLogger(__name__)


async def run_today(runtime: Runtime, clock: Clock, settings: SchedulerSettings) -> None:
    """Run what is due; every instance does, SKIP LOCKED shares the work."""
    async with runtime.engine.connect() as conn:
        now = await clock.now(conn)
    stats = await run_due(runtime.engine, now, batch_size=settings.run_batch_size)
    if stats.customers:
        log.info("day run: %s", stats)


def bootstrap(settings: SchedulerSettings, clock: Clock):
    @asynccontextmanager
    async def start(_: object) -> AsyncIterator[Runtime[None]]:
        async with start_runtime(
            settings,
            outbox=db.outbox,
            inbox=db.inbox,
            parts=lambda _: None,
            consumers=lambda _: [(spec, handlers(clock)) for spec in QUEUES],
        ) as rt:
            rt.spawn(
                every(
                    settings.run_interval_seconds, lambda: run_today(rt, clock, settings), "day run"
                ),
                "day-run",
            )
            yield rt

    return start


def build_app(settings: SchedulerSettings) -> FastAPI:
    clock = Clock(settings.simulation)
    app = create_app(
        settings,
        title="Encaisse scheduler",
        description="Profiles, scenarios, dunning cases, disputes, promises, collector tasks "
        "and the clock. Staff bearer token required.",
        routers=ROUTERS,
        start=bootstrap(settings, clock),
    )
    app.state.clock = clock
    return app
