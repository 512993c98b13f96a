"""Following sendings at the provider: polling, or at once when its webhook says one changed.

The provider's events are applied in order, each once (the row counts how many
it has applied), in one transaction with the proofs' records and the events we
publish: posted, delivered, returned, failed, each with the cost.

Only letters the provider can still tell something about are followed
(``lifecycle.followed``); each is polled when its ``next_poll_at`` comes, sooner
after a change, less and less often while nothing changes (``next_poll_delay``).
``track_due`` is the job ``bootstrap`` runs every ``postal_poll_seconds``; the webhook
route calls ``track_sending``. Recording a provider's event is ``_apply``.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from encaisse.bus.uow import UnitOfWork
from encaisse.contracts.base import Money
from encaisse.contracts.letters import (
    LetterDelivered,
    LetterFailed,
    LetterPosted,
    LetterReturned,
    ReturnReason,
)
from encaisse.kit.clock import Clock
from encaisse.letters import db, repository
from encaisse.letters.domain.lifecycle import after, next_poll_delay
from encaisse.letters.postal.client import HttpPostalProvider, PostalEvent
from encaisse.letters.settings import LettersSettings
from encaisse.letters.storage import Storage, sha256
from encaisse.letters.usecases.mailroom import report

log = logging.getLogger(__name__)
BATCH = 100  # letters polled a run; a full batch says more are due


class Tracker:
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

    async def track_due(self) -> bool:
        """Poll the letters whose next poll has come; True when more may be due."""
        async with self._sessions() as session:
            ids = await repository.letters_to_poll(session, self._clock.now(), BATCH)
        failed = False
        for letter_id in ids:
            try:
                await self.track(letter_id)
            except asyncio.CancelledError:
                raise
            except Exception:  # one letter's trouble must not stop the others
                log.exception("tracking letter %s failed; will retry", letter_id)
                failed = True
        return len(ids) == BATCH and not failed

    async def track_sending(self, sending_id: str) -> bool:
        """A webhook's hint: follow that sending now. False when no letter has it."""
        async with self._sessions() as session:
            letter_id = await repository.letter_of_sending(session, sending_id)
        if letter_id is not None:
            await self.track(letter_id)
        return letter_id is not None

    async def track(self, letter_id: str) -> None:
        async with self._sessions() as session, session.begin():
            row = await repository.lock_followed(session, letter_id)
            if row is None:
                return
            sending = await self._provider.sending(row.provider_sending_id)
            fresh = sending.events[row.provider_events_applied :]
            log.debug(
                "polled sending %s of letter %s: %d new events",
                row.provider_sending_id,
                row.id,
                len(fresh),
            )
            if not fresh:
                await repository.update_letter(
                    session,
                    row.id,
                    unchanged_polls=row.unchanged_polls + 1,
                    next_poll_at=self._next_poll(row.unchanged_polls + 1),
                )
                return
            uow = UnitOfWork(session, db.outbox, now=self._clock.now)
            state: dict[str, Any] = {
                "status": row.status,
                "version": row.version,
                "cost_amount": row.cost_amount,
                "cost_currency": row.cost_currency,
                "tracking_number": row.tracking_number,
            }
            for event in fresh:
                await self._apply(uow, row, state, event)
            await repository.update_letter(
                session,
                row.id,
                **state,
                provider_events_applied=len(sending.events),
                updated_at=self._clock.now(),
                unchanged_polls=0,
                next_poll_at=self._next_poll(0),
            )

    def _next_poll(self, unchanged_polls: int) -> datetime:
        settings = self._settings
        delay = next_poll_delay(
            unchanged_polls,
            first=settings.postal_poll_seconds,
            longest=settings.postal_poll_max_seconds,
        )
        return self._clock.now() + timedelta(seconds=delay)

    async def _apply(
        self,
        uow: UnitOfWork,
        row: Row[Any],
        state: dict[str, Any],
        event: PostalEvent,
    ) -> None:
        status = after(state["status"], event.type)
        if status is None:
            return
        if event.proof:
            await self._keep_proof(uow.session, row, event.proof)
        if event.cost is not None:
            state["cost_amount"], state["cost_currency"] = event.cost, event.currency
        if event.tracking_number:
            state["tracking_number"] = event.tracking_number
        state["status"], state["version"] = status, state["version"] + 1
        cost = (
            Money(amount=state["cost_amount"], currency=state["cost_currency"])
            if state["cost_amount"] is not None
            else None
        )
        common = {"cost": cost}
        if event.type == "posted":
            payload = report(
                LetterPosted,
                row,
                state["version"],
                **common,
                tracking_number=state["tracking_number"],
            )
        elif event.type == "delivered":
            payload = report(
                LetterDelivered, row, state["version"], **common, delivered_on=event.at.date()
            )
        elif event.type == "returned":
            state["reason"], state["detail"] = event.reason, event.detail
            payload = report(
                LetterReturned,
                row,
                state["version"],
                **common,
                # a return the provider gives no reason for: the address, most likely
                reason=ReturnReason(event.reason or ReturnReason.ADDRESS_UNKNOWN),
                detail=event.detail,
            )
        else:
            state["reason"], state["detail"] = "provider_error", event.detail
            payload = report(
                LetterFailed,
                row,
                state["version"],
                **common,
                reason=ReturnReason.PROVIDER_ERROR,
                detail=event.detail,
            )
        await uow.publish(payload, subject=row.id)

    async def _keep_proof(self, session: AsyncSession, row: Row[Any], kind: str) -> None:
        data, content_type = await self._provider.proof(row.provider_sending_id, kind)
        key = f"{row.tenant}/{row.id}/proof-{kind}-{sha256(data)[:16]}.pdf"  # never overwritten
        stored = await self._storage.put(key, data)
        await repository.add_proof(
            session,
            {
                "letter_id": row.id,
                "kind": kind,
                "storage_key": stored.key,
                "sha256": stored.sha256,
                "size": stored.size,
                "content_type": content_type,
            },
        )
