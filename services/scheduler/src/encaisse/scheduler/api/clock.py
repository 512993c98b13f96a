"""The clock: read it; in simulation, set it or advance it (the casework jobs and the day
run follow at once)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, Field

from encaisse.kit.auth import Admin, Viewer
from encaisse.kit.failures import Conflict
from encaisse.scheduler.api.deps import ClockDep, Parts, RuntimeDep
from encaisse.scheduler.usecases.casework import run_casework
from encaisse.scheduler.usecases.clock import SchedulerClock
from encaisse.scheduler.usecases.dayrun import run_due

router = APIRouter(prefix="/v1", tags=["clock"])


class ClockOut(BaseModel):
    now: datetime
    simulation: bool


class SetClock(BaseModel):
    now: AwareDatetime


class Advance(BaseModel):
    days: int = Field(default=0, ge=0, le=400)
    hours: int = Field(default=0, ge=0, le=24 * 400)


@router.get("/clock", response_model=ClockOut)
async def read_clock(staff: Viewer, rt: RuntimeDep, clock: ClockDep) -> ClockOut:
    async with rt.engine.connect() as conn:
        return ClockOut(now=await clock.now(conn), simulation=clock.simulation)


def _simulated(clock: SchedulerClock) -> None:
    if not clock.simulation:
        raise Conflict("now", "the clock can be set only with ENCAISSE_SIMULATION=1")


@router.put("/clock", response_model=ClockOut)
async def set_clock(body: SetClock, staff: Admin, rt: RuntimeDep, clock: ClockDep) -> ClockOut:
    _simulated(clock)
    async with rt.engine.begin() as conn:
        await clock.set(conn, body.now)
    return ClockOut(now=body.now, simulation=True)


@router.post("/clock/advance")
async def advance_clock(
    body: Advance, staff: Admin, rt: RuntimeDep, parts: Parts
) -> dict[str, Any]:
    """Move the simulated clock forward, then run what fell due (once, as after downtime)."""
    _simulated(parts.clock)
    async with rt.engine.begin() as conn:
        now = await parts.clock.now(conn) + timedelta(days=body.days, hours=body.hours)
        await parts.clock.set(conn, now)
    await _casework(rt)  # exclusions that lapsed resume in this very run
    stats = await run_due(rt.engine, now, batch_size=parts.settings.run_batch_size)
    return {"now": now, "run": asdict(stats)}


@router.post("/runs")
async def run_now(staff: Admin, rt: RuntimeDep, parts: Parts) -> dict[str, Any]:
    """Run what is due now, without waiting for the next loop."""
    async with rt.engine.connect() as conn:
        now = await parts.clock.now(conn)
    await _casework(rt)
    stats = await run_due(rt.engine, now, batch_size=parts.settings.run_batch_size)
    return {"now": now, "run": asdict(stats)}


async def _casework(rt: RuntimeDep) -> None:
    """The background casework (``usecases.casework``), until nothing is left waiting."""
    while await run_casework(rt):
        pass
