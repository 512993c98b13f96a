"""``Annotated`` dependencies of the letters API, all from the runtime
(``request.app.state.runtime``, set by the app's lifespan)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends

from encaisse.bus.uow import UnitOfWork
from encaisse.kit.auth import Viewer
from encaisse.kit.clock import Clock
from encaisse.kit.failures import NotFound
from encaisse.kit.runtime import RuntimeDep
from encaisse.letters import repository
from encaisse.letters.app import LettersParts
from encaisse.letters.repository import AsyncSession, Record


def get_parts(runtime: RuntimeDep) -> LettersParts:
    parts: LettersParts = runtime.parts
    return parts


def get_clock(runtime: RuntimeDep) -> Clock:
    return runtime.clock


async def read_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """A session for reads."""
    async with runtime.sessions() as session:
        yield session


async def unit_of_work(runtime: RuntimeDep) -> AsyncIterator[UnitOfWork]:
    """One transaction with the outbox, committed when the route returns."""
    async with runtime.unit_of_work() as uow:
        yield uow


Parts = Annotated[LettersParts, Depends(get_parts)]
ClockDep = Annotated[Clock, Depends(get_clock)]
Session = Annotated[AsyncSession, Depends(read_session)]
Uow = Annotated[UnitOfWork, Depends(unit_of_work)]


async def get_letter(letter_id: str, staff: Viewer, session: Session) -> Record:
    """A letter of the caller's tenant; another tenant's is not found, as a missing one."""
    row = await repository.letter(session, letter_id, tenant=staff.tenant)
    if row is None:
        raise NotFound("letter_id", f"no letter {letter_id}")
    return row


LetterRow = Annotated[Record, Depends(get_letter)]

__all__ = ["ClockDep", "LetterRow", "Parts", "RuntimeDep", "Session", "Uow", "Viewer"]
