"""Transactional outbox: messages are rows committed with the business change.

``stage`` writes the rows in the caller's transaction; the ``OutboxRelay``
publishes them in batches with publisher confirms and deletes them once every
confirm is in. A crash between confirm and delete republishes the batch on
restart: delivery is at-least-once and consumers deduplicate by message id.

Order per aggregate: one relay at a time holds a transaction-level advisory
lock on the table and publishes rows in id order. Rows of one aggregate are
written by transactions serialised on the aggregate's row lock, so their ids
follow their commit order.

A row may also be a bundle of many messages (``encaisse.bus.bundle``), published in
its place in the order, its messages in their order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import zlib
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from encaisse.bus.bundle import BUNDLE, is_bundle, unbundle
from encaisse.bus.metrics import OUTBOX_PUBLISHED
from encaisse.bus.publisher import Outgoing, PartlyPublished, Publisher
from encaisse.contracts.envelope import Envelope

log = logging.getLogger(__name__)


def outbox_rows(envelopes: Iterable[Envelope[Any]]) -> list[dict[str, Any]]:
    rows = []
    for envelope in envelopes:
        out = Outgoing.from_envelope(envelope)
        rows.append(
            {
                "message_id": out.message_id,
                "exchange": out.exchange,
                "routing_key": out.routing_key,
                "headers": dict(out.headers),
                "body": out.body,
                "aggregate_id": envelope.subject,
            }
        )
    return rows


async def stage(
    db: AsyncSession | AsyncConnection, table: Table, envelopes: Iterable[Envelope[Any]]
) -> int:
    """Write envelopes to the outbox in the caller's open transaction."""
    rows = outbox_rows(envelopes)
    if rows:
        await db.execute(insert(table), rows)
    return len(rows)


def _messages(row: Any) -> list[Outgoing]:
    if is_bundle(row.headers):
        return unbundle(row.exchange, row.headers, row.body)
    return [
        Outgoing(
            exchange=row.exchange,
            routing_key=row.routing_key,
            message_id=row.message_id,
            headers=row.headers,
            body=row.body,
        )
    ]


def _confirmed_prefix(
    rows: Sequence[Any], per_row: list[list[Outgoing]], confirmed: list[bool]
) -> list[Any]:
    done, i = [], 0
    for row, messages in zip(rows, per_row, strict=True):
        if not all(confirmed[i : i + len(messages)]):
            break
        done.append(row)
        i += len(messages)
    return done


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        table: Table,
        publisher: Publisher,
        *,
        batch_size: int = 500,
        idle_delay: float = 0.05,
        error_delay: float = 1.0,
    ) -> None:
        self._engine = engine
        self._table = table
        self._publisher = publisher
        self._batch_size = batch_size
        self._idle_delay = idle_delay
        self._error_delay = error_delay
        self._lock_key = zlib.crc32(f"outbox:{table.fullname}".encode())
        self._stopping = asyncio.Event()

    async def relay_once(self) -> int:
        """Publish one batch; returns how many messages went out (0: nothing, or another relay
        is on). A bundle row counts its messages."""
        t = self._table
        failed: PartlyPublished | None = None
        async with self._engine.begin() as conn:
            if not await conn.scalar(select(func.pg_try_advisory_xact_lock(self._lock_key))):
                return 0
            ids = await self._next_ids(conn)
            if not ids:
                return 0
            rows = (
                await conn.execute(
                    select(
                        t.c.id, t.c.message_id, t.c.exchange, t.c.routing_key, t.c.headers, t.c.body
                    )
                    .where(t.c.id.in_(ids))
                    .order_by(t.c.id)
                )
            ).all()  # the rows ``ids`` named: the lock keeps other relays off them
            per_row = [_messages(r) for r in rows]
            messages = [m for ms in per_row for m in ms]
            done = rows
            try:
                await self._publisher.publish_many(messages)
            except PartlyPublished as exc:
                # the leading rows whose every message the broker confirmed are not sent
                # again (that would be a duplicate for every subscriber); the order holds
                failed, done = exc, _confirmed_prefix(rows, per_row, exc.confirmed)
            await conn.execute(delete(t).where(t.c.id.in_([r.id for r in done])))
        sent = sum(len(_messages(r)) for r in done) if failed else len(messages)
        OUTBOX_PUBLISHED.labels(table=t.fullname).inc(sent)
        if failed is not None:
            raise failed.cause
        return sent

    async def _next_ids(self, conn: AsyncConnection) -> list[int]:
        """The next rows in order, up to ``batch_size`` messages (a bundle counts its own),
        and at least one row."""
        t = self._table
        heads = (
            await conn.execute(
                select(t.c.id, t.c.headers[BUNDLE].as_integer())
                .order_by(t.c.id)
                .limit(self._batch_size)
            )
        ).all()
        ids: list[Any] = []
        messages = 0
        for row_id, size in heads:
            messages += size or 1
            if ids and messages > self._batch_size:
                break
            ids.append(row_id)
        return ids

    async def run(self) -> None:
        """Relay until ``stop`` is called; survives broker and database outages."""
        while not self._stopping.is_set():
            try:
                sent = await self.relay_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay failed; retrying")
                await self._sleep(self._error_delay)
                continue
            if sent < self._batch_size:
                await self._sleep(self._idle_delay)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    def stop(self) -> None:
        self._stopping.set()
