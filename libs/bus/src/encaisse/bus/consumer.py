"""Consuming at-least-once, with an inbox, retries and dead letters.

For each delivery:
1. decode and validate the envelope; if that fails, or if the body is larger than
   ``QueueSpec.max_message_bytes`` (checked before parsing), the message is dead at once;
2. in one transaction: record the message id in the inbox (a duplicate stops
   here), run the handler, commit;
3. ack only after the commit.

``QueueSpec.workers`` workers handle messages concurrently. For throughput, a
queue whose handlers keep all their effects in the database may set
``QueueSpec.batch_size``: what has already arrived, up to that many, is then
handled in one transaction; if any handler of the batch fails, the batch is
rolled back and its messages are taken one by one, so that only the failing one
is retried or dead-lettered.

A handler error is retried: the message is copied to the queue's wait queue
``<queue>.retry.<n>`` (TTL, then back to this queue only) with the attempt in
the ``x-encaisse-attempt`` header, and the original is acked, so the queue keeps
flowing. After the last attempt, or at once for a ``PermanentError``, it goes to
``<queue>.dead`` with the error attached.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import traceback
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from aio_pika.abc import AbstractConnection, AbstractIncomingMessage, AbstractQueue
from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from encaisse.bus import headers as h
from encaisse.bus.metrics import DEAD_LETTERS, HANDLER_SECONDS, MESSAGES_HANDLED
from encaisse.bus.publisher import Outgoing, Publisher
from encaisse.bus.topology import DEAD, QueueSpec, declare, exchanges_as_they_are
from encaisse.bus.uow import UnitOfWork
from encaisse.contracts import Envelope, InvalidEnvelope, Message, decode

log = logging.getLogger(__name__)

Handler = Callable[[Envelope[Any], UnitOfWork], Awaitable[None]]
Handlers = Mapping[type[Message], Handler]


class PermanentError(Exception):
    """A handler error that no retry can fix: the message goes to its dead-letter queue now."""


class Consumer:
    def __init__(
        self,
        connection: AbstractConnection,
        spec: QueueSpec,
        handlers: Handlers,
        sessions: async_sessionmaker[AsyncSession],
        *,
        outbox: Table,
        inbox: Table,
        publisher: Publisher,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """``now``: the service's clock, dating what its handlers publish."""
        self.spec = spec
        self._now = now
        self._connection = connection
        self._handlers = dict(handlers)
        self._sessions = sessions
        self._outbox = outbox
        self._inbox = inbox
        self._publisher = publisher
        self._queue: AbstractQueue | None = None
        self._tag: str | None = None
        self._pending: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
        # one statement whatever the batch size, so SQLAlchemy compiles it once
        self._claim = text(
            f"INSERT INTO {_quoted(inbox)} (consumer, message_id) "
            "SELECT :consumer, unnest(CAST(:ids AS varchar[])) "
            "ON CONFLICT DO NOTHING RETURNING message_id"
        )
        self._workers: list[asyncio.Task[None]] = []

    async def start(self, as_is: frozenset[str] | None = None) -> None:
        """Declare the queue (and the exchanges: those of ``as_is``, or that the broker has
        with other arguments, as they are) and consume."""
        if as_is is None:
            as_is = await exchanges_as_they_are(self._connection)
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=self.spec.prefetch)
        self._queue = (await declare(channel, self.spec, as_is=as_is))[self.spec.name]
        self._workers = [
            asyncio.create_task(self._work(), name=f"{self.spec.name}-worker-{i}")
            for i in range(self.spec.workers)
        ]
        self._tag = await self._queue.consume(self._on_message, no_ack=False)

    @property
    def consuming(self) -> bool:
        """Started, and its channel open now (it reopens after a broker restart)."""
        return (
            self._queue is not None and self._tag is not None and not self._queue.channel.is_closed
        )

    async def stop(self, timeout: float = 30.0) -> None:
        """Stop consuming, let what was delivered finish, close the channel."""
        if self._queue is None:
            return
        if self._tag is not None:
            # a lost broker connection must not hold the shutdown up
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._queue.cancel(self._tag), 5)
            self._tag = None
        try:
            await asyncio.wait_for(self._pending.join(), timeout)
        except TimeoutError:
            log.warning(
                "%s: %d messages unfinished at shutdown (they will be redelivered)",
                self.spec.name,
                self._pending.qsize(),
            )
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._queue.channel.close(), 5)
        self._queue = None

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        await self._pending.put(message)

    async def _work(self) -> None:
        """Take what has arrived, up to a batch, and process it in one transaction."""
        while True:
            batch = [await self._pending.get()]
            while len(batch) < self.spec.batch_size and not self._pending.empty():
                batch.append(self._pending.get_nowait())
            try:
                await self.process_batch(batch)
            except Exception:  # never lose the worker, never leave a message unacked
                log.exception(
                    "%s: unexpected error; unsettled messages go back to the queue", self.spec.name
                )
                await self._requeue_unsettled(batch)
            finally:
                for _ in batch:
                    self._pending.task_done()

    async def _requeue_unsettled(self, batch: list[AbstractIncomingMessage]) -> None:
        """Give back what a failed batch left unsettled (after a pause, so that a fault that
        lasts does not spin): held unacked, it would wait for the broker's consumer timeout
        and block the messages behind it. Where the channel itself is gone, the broker
        redelivers them anyway."""
        await asyncio.sleep(1)
        for message in batch:
            if not message.processed:
                with contextlib.suppress(Exception):
                    await message.nack(requeue=True)

    async def process_batch(self, messages: list[AbstractIncomingMessage]) -> None:
        ready: list[tuple[AbstractIncomingMessage, Envelope[Any], Handler]] = []
        for message in messages:
            if len(message.body) > self.spec.max_message_bytes:
                await self._dead_letter(
                    message,
                    "too_large",
                    (
                        f"the body has {len(message.body)} bytes, more than the "
                        f"{self.spec.max_message_bytes} a message may have; not parsed"
                    ),
                )
                continue
            try:
                envelope = decode(message.headers or {}, message.content_type, message.body)
            except InvalidEnvelope as exc:
                await self._dead_letter(message, "invalid", str(exc))
                continue
            except Exception as exc:  # whatever breaks decoding: this message alone
                await self._dead_letter(message, "invalid", _describe(exc))
                continue
            handler = self._handlers.get(type(envelope.payload))
            if handler is None:
                MESSAGES_HANDLED.labels(self.spec.name, "ignored").inc()
                await message.ack()
                continue
            ready.append((message, envelope, handler))
        if len(ready) > 1:
            try:
                with HANDLER_SECONDS.labels(self.spec.name).time():
                    outcomes = await self._handle_together(ready)
            except Exception as exc:  # one failed: take them one by one, so only that one retries
                log.info(
                    "%s: a batch of %d failed (%r); taking them one by one",
                    self.spec.name,
                    len(ready),
                    exc,
                )
            else:
                for (message, _, _), outcome in zip(ready, outcomes, strict=True):
                    MESSAGES_HANDLED.labels(self.spec.name, outcome).inc()
                    await message.ack()
                return
        for message, envelope, handler in ready:
            await self._process_one(message, envelope, handler)

    async def _process_one(
        self, message: AbstractIncomingMessage, envelope: Envelope[Any], handler: Handler
    ) -> None:
        try:
            with HANDLER_SECONDS.labels(self.spec.name).time():
                (outcome,) = await self._handle_together([(message, envelope, handler)])
        except PermanentError as exc:
            await self._dead_letter(message, "rejected", _describe(exc))
            return
        except Exception as exc:
            await self._retry_or_dead(message, exc)
            return
        MESSAGES_HANDLED.labels(self.spec.name, outcome).inc()
        await message.ack()

    async def _handle_together(
        self, batch: list[tuple[AbstractIncomingMessage, Envelope[Any], Handler]]
    ) -> list[str]:
        """One transaction: claim the ids in the inbox, run the handlers of the new ones."""
        async with self._sessions() as session, session.begin():
            claimed = set(
                (
                    await session.execute(
                        self._claim,
                        {"consumer": self.spec.name, "ids": [e.id for _, e, _ in batch]},
                    )
                ).scalars()
            )
            outcomes = []
            for _, envelope, handler in batch:
                if envelope.id not in claimed:
                    outcomes.append("duplicate")
                    continue
                claimed.discard(envelope.id)  # the same message twice in one batch runs once
                await handler(envelope, UnitOfWork(session, self._outbox, envelope, now=self._now))
                outcomes.append("handled")
        return outcomes

    async def _retry_or_dead(self, message: AbstractIncomingMessage, exc: Exception) -> None:
        attempt = h.attempt(message.headers)
        if attempt >= self.spec.max_attempts:
            await self._dead_letter(message, "exhausted", _describe(exc))
            return
        log.warning("%s: attempt %d failed, retrying: %r", self.spec.name, attempt, exc)
        headers = dict(message.headers or {})
        headers[h.ATTEMPT] = attempt + 1
        headers[h.LAST_ERROR] = _describe(exc)[: h.MAX_ERROR]
        await self._publisher.publish(_copy(message, "", self.spec.retry_queue(attempt), headers))
        MESSAGES_HANDLED.labels(self.spec.name, "retried").inc()
        await message.ack()

    async def _dead_letter(self, message: AbstractIncomingMessage, reason: str, error: str) -> None:
        log.error("%s: dead letter (%s): %s", self.spec.name, reason, error.splitlines()[0])
        headers = dict(message.headers or {})
        headers.update(
            {
                h.ERROR: error[: h.MAX_ERROR],
                h.REASON: reason,
                h.QUEUE: self.spec.name,
                h.DEAD_AT: datetime.now(UTC).isoformat(),
                h.ORIGINAL_EXCHANGE: headers.get(h.ORIGINAL_EXCHANGE, message.exchange or ""),
                h.ORIGINAL_ROUTING_KEY: headers.get(
                    h.ORIGINAL_ROUTING_KEY, message.routing_key or ""
                ),
            }
        )
        await self._publisher.publish(_copy(message, DEAD, self.spec.name, headers))
        DEAD_LETTERS.labels(self.spec.name, reason).inc()
        MESSAGES_HANDLED.labels(self.spec.name, "dead").inc()
        await message.ack()


def _copy(
    message: AbstractIncomingMessage, exchange: str, routing_key: str, headers: dict[str, Any]
) -> Outgoing:
    if h.ORIGINAL_ROUTING_KEY not in headers:
        headers[h.ORIGINAL_EXCHANGE] = message.exchange or ""
        headers[h.ORIGINAL_ROUTING_KEY] = message.routing_key or ""
    # a header pamqp could not read as UTF-8 comes as bytes, which it cannot write back:
    # kept byte for byte as a byte array
    headers = {k: bytearray(v) if isinstance(v, bytes) else v for k, v in headers.items()}
    return Outgoing(
        exchange=exchange,
        routing_key=routing_key,
        message_id=message.message_id or "",
        headers=headers,
        body=message.body,
        content_type=message.content_type or "application/octet-stream",
    )


def _quoted(table: Table) -> str:
    return ".".join(f'"{part}"' for part in (table.schema, table.name) if part)


def _describe(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)).strip()


__all__ = ["Consumer", "Handler", "Handlers", "PermanentError"]
