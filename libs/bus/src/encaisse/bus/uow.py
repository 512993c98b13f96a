"""The unit of work a handler runs in: one database transaction, outbox included."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.bus.outbox import stage
from encaisse.contracts import Envelope, Message


class UnitOfWork:
    """A session inside an open transaction, and an outbox to stage follow-up messages.

    Everything staged commits with the handler's changes, or not at all.
    """

    def __init__(self, session: AsyncSession, outbox: Table, cause: Envelope[Any] | None = None):
        self.session = session
        self._outbox = outbox
        self._cause = cause
        self.staged: list[Envelope[Any]] = []

    async def publish(self, payload: Message, subject: str) -> Envelope[Any]:
        envelope = (
            self._cause.caused(payload, subject)
            if self._cause is not None
            else Envelope(payload=payload, subject=subject)
        )
        await stage(self.session, self._outbox, [envelope])
        self.staged.append(envelope)
        return envelope
