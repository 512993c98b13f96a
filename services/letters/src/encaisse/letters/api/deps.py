"""``Annotated`` dependencies of the letters API, all from the runtime
(``request.app.state.runtime``, set by the app's lifespan)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from encaisse.kit.auth import Viewer
from encaisse.kit.deps import ClockDep, ReadSession, Uow
from encaisse.kit.failures import NotFound
from encaisse.kit.runtime import RuntimeDep
from encaisse.letters import repository
from encaisse.letters.app import LettersParts
from encaisse.letters.repository import Record


def get_parts(runtime: RuntimeDep) -> LettersParts:
    parts: LettersParts = runtime.parts
    return parts


Parts = Annotated[LettersParts, Depends(get_parts)]
Session = ReadSession


async def get_letter(letter_id: str, staff: Viewer, session: Session) -> Record:
    """A letter of the caller's tenant; another tenant's is not found, as a missing one."""
    row = await repository.letter(session, letter_id, tenant=staff.tenant)
    if row is None:
        raise NotFound("letter_id", f"no letter {letter_id}")
    return row


LetterRow = Annotated[Record, Depends(get_letter)]

__all__ = ["ClockDep", "LetterRow", "Parts", "RuntimeDep", "Session", "Uow", "Viewer"]
