"""Handing ``ready`` letters to the postal provider, once.

One letter per transaction, its row locked (``FOR UPDATE SKIP LOCKED``, so
replicas share the work). The provider gets the letter's id as idempotency key.
If the process dies after the provider accepted the submission and before the
row says ``submitted``, the row is still ``ready`` on restart: the dispatcher
creates the sending again with the same key, the provider answers the sending
it already has, already submitted, and the row is brought up to date. That is
the reconciliation; no second sending is ever made.

A letter that cannot be handed over (provider unavailable, its PDF unreadable)
stays ``ready`` and rests for a growing delay (``resting_delay``, kept by this
process) while the letters behind it go; the oldest letter is never allowed to
hold up the others.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from encaisse.bus.uow import UnitOfWork
from encaisse.contracts.letters import LetterFailed, ReturnReason
from encaisse.kit.clock import Clock
from encaisse.letters import db, repository
from encaisse.letters.domain.lifecycle import FAILED, SUBMITTED
from encaisse.letters.postal.client import HttpPostalProvider, ProviderRejected
from encaisse.letters.settings import LettersSettings
from encaisse.letters.storage import Storage
from encaisse.letters.usecases.mailroom import report

log = logging.getLogger(__name__)
FIRST_REST, LONGEST_REST = 1.0, 300.0  # seconds


def resting_delay(failures: int) -> float:
    """The rest after a letter's ``failures``-th failed hand-over: 1 s, 2 s, 4 s... 5 min."""
    return min(LONGEST_REST, FIRST_REST * 2 ** min(failures - 1, 20))


@dataclass
class _Rest:
    failures: int
    until: float  # time.monotonic(): a pause of this process, not a business time


class Dispatcher:
    """``dispatch_one`` is the job ``bootstrap`` runs every ``dispatch_idle_seconds``."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        settings: LettersSettings,
        storage: Storage,
        provider: HttpPostalProvider,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._settings = settings
        self._storage = storage
        self._provider = provider
        self._resting: dict[str, _Rest] = {}

    def _rest(self, letter_id: str) -> None:
        failures = self._resting[letter_id].failures + 1 if letter_id in self._resting else 1
        self._resting[letter_id] = _Rest(failures, time.monotonic() + resting_delay(failures))

    def _still_resting(self) -> list[str]:
        now = time.monotonic()
        # a letter another replica sent meanwhile is forgotten once long past its rest
        self._resting = {k: v for k, v in self._resting.items() if v.until > now - LONGEST_REST}
        return [k for k, v in self._resting.items() if v.until > now]

    async def dispatch_one(self) -> bool:
        """Submit the oldest ready letter not resting; False when there is none (True: more
        may be waiting)."""
        async with self._sessions() as session, session.begin():
            row = await repository.lock_next_ready(session, self._still_resting())
            if row is None:
                return False
            try:
                await self._hand_over(session, row)
            except Exception:
                self._rest(row.id)
                raise
        self._resting.pop(row.id, None)
        return True

    async def _hand_over(self, session: AsyncSession, row: Row[Any]) -> None:
        pdf = await self._storage.get(row.pdf_key, row.pdf_sha256)
        try:
            sending = await self._provider.send(
                row.id,
                registered=row.kind == "registered",
                reference=row.id,
                pdf=pdf,
                recipient=tuple(row.recipient["lines"]),
                country=row.recipient["country"],
            )
        except ProviderRejected as exc:
            log.error("letter %s refused by the provider: %s", row.id, exc)
            await repository.update_letter(
                session,
                row.id,
                status=FAILED,
                version=row.version + 1,
                reason="provider_error",
                detail=str(exc)[:2000],
            )
            await UnitOfWork(session, db.outbox, now=self._clock.now).publish(
                report(
                    LetterFailed,
                    row,
                    row.version + 1,
                    reason=ReturnReason.PROVIDER_ERROR,
                    detail=str(exc)[:500],
                ),
                subject=row.id,
            )
            return
        if self._settings.test_crash_after_submit:
            os.kill(os.getpid(), signal.SIGKILL)  # test hook: die before recording
        now = self._clock.now()
        await repository.update_letter(
            session,
            row.id,
            status=SUBMITTED,
            provider_sending_id=sending.id,
            submitted_at=now,
            updated_at=now,
        )
        log.info("letter %s submitted as %s", row.id, sending.id)
