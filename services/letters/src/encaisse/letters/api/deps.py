"""``Annotated`` dependencies of the letters API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.kit.auth import Viewer
from encaisse.kit.failures import NotFound
from encaisse.kit.runtime import RuntimeDep
from encaisse.letters import db
from encaisse.letters.mailroom import Mailroom
from encaisse.letters.postal.tracking import Tracker


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    async with runtime.sessions() as session:
        yield session


Session = Annotated[AsyncSession, Depends(get_session)]


def get_mailroom(request: Request) -> Mailroom:
    return request.app.state.mailroom


def get_tracker(request: Request) -> Tracker:
    return request.app.state.tracker


MailroomDep = Annotated[Mailroom, Depends(get_mailroom)]
TrackerDep = Annotated[Tracker, Depends(get_tracker)]


async def get_letter(letter_id: str, staff: Viewer, session: Session) -> Row[Any]:
    """A letter of the caller's tenant; another tenant's is not found, as a missing one."""
    row = (
        await session.execute(
            select(db.letters).where(
                db.letters.c.id == letter_id, db.letters.c.tenant == staff.tenant
            )
        )
    ).first()
    if row is None:
        raise NotFound("letter_id", f"no letter {letter_id}")
    return row


LetterRow = Annotated[Row[Any], Depends(get_letter)]
