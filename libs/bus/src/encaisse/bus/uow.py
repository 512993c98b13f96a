"""The unit of work a handler runs in: one database transaction, outbox included."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from encaisse.bus.outbox import stage
from encaisse.contracts import Envelope, Message


class UnitOfWork:
    """A session inside an open transaction, and an outbox to stage follow-up messages.

    Everything staged commits with the handler's changes, or not at all. ``now`` is the
    service's clock (``Runtime.clock.now``): a message is dated by it.
    """

    def __init__(
        self,
        session: AsyncSession,
        outbox: Table,
        cause: Envelope[Any] | None = None,
        *,
        now: Callable[[], datetime],
    ):
        self.session = session
        self._outbox = outbox
        self._cause = cause
        self._now = now
        self.staged: list[Envelope[Any]] = []

    async def publish(self, payload: Message, subject: str) -> Envelope[Any]:
        time = self._now()
        envelope = (
            self._cause.caused(payload, subject, time)
            if self._cause is not None
            else Envelope(payload=payload, subject=subject, time=time)
        )
        await stage(self.session, self._outbox, [envelope])
        self.staged.append(envelope)
        return envelope
