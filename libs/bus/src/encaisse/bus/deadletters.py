"""Dead-letter operations: list, show, replay and discard.

A replayed message goes straight back to the queue it died in (through the
default exchange), not through its original exchange: the other subscribers of
that routing key already processed it, and an external subscriber should not
get it twice. Its original exchange and routing key stay in its headers.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

from aio_pika.abc import AbstractConnection, AbstractIncomingMessage
from aio_pika.exceptions import ChannelClosed

from encaisse.bus import headers as h
from encaisse.bus.publisher import Outgoing, Publisher
from encaisse.bus.topology import UNROUTED, UNROUTED_EVENTS, UNROUTED_QUEUE, QueueSpec

# What an exchange could not route (its alternate exchange kept it): commands for a
# service not deployed yet, events whose Encaisse queue was missing.
UNROUTED_QUEUES = (UNROUTED, UNROUTED_EVENTS)

_ERROR_HEADERS = (
    h.ERROR,
    h.REASON,
    h.DEAD_AT,
    h.LAST_ERROR,
    "x-death",
    "x-first-death-exchange",
    "x-first-death-queue",
    "x-first-death-reason",
    "x-last-death-exchange",
    "x-last-death-queue",
    "x-last-death-reason",
)


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    type: str
    queue: str
    original_routing_key: str
    reason: str
    error: str
    dead_at: str
    headers: dict[str, Any]
    body: bytes
    content_type: str

    @classmethod
    def from_message(cls, queue: str, message: AbstractIncomingMessage) -> DeadLetter:
        headers = {k: _text(v) for k, v in (message.headers or {}).items()}
        return cls(
            message_id=message.message_id or "",
            type=headers.get("ce-type", "?"),
            queue=headers.get(h.QUEUE, queue),
            original_routing_key=headers.get(h.ORIGINAL_ROUTING_KEY, ""),
            reason=headers.get(h.REASON, headers.get("x-first-death-reason", "?")),
            error=headers.get(h.ERROR, ""),
            dead_at=headers.get(h.DEAD_AT, ""),
            headers=headers,
            body=message.body,
            content_type=message.content_type or "application/json",
        )


def _text(value: Any) -> Any:
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def known_queues() -> list[str]:
    """Queues registered by installed services (entry point group ``encaisse.queues``)."""
    names = [UNROUTED_QUEUE.name]
    for ep in entry_points(group="encaisse.queues"):
        specs: Iterable[QueueSpec] = ep.load()
        names.extend(spec.name for spec in specs)
    return sorted(set(names))


def dead_queue_name(queue: str) -> str:
    return queue if queue.endswith(".dead") else f"{queue}.dead"


class DeadLetters:
    def __init__(self, connection: AbstractConnection) -> None:
        self._connection = connection

    async def counts(self, queues: Iterable[str]) -> dict[str, int | None]:
        """Messages in each dead-letter queue; None where the queue does not exist."""
        return await self.waiting(dead_queue_name(queue) for queue in queues)

    async def waiting(self, queues: Iterable[str] = UNROUTED_QUEUES) -> dict[str, int | None]:
        """Messages in each queue itself (not its dead letters); None where it is missing."""
        result: dict[str, int | None] = {}
        for name in queues:
            channel = await self._connection.channel()
            try:
                declared = await channel.declare_queue(name, passive=True)
                result[name] = declared.declaration_result.message_count
            except ChannelClosed:
                result[name] = None
            finally:
                if not channel.is_closed:
                    await channel.close()
        return result

    async def reroute(self, queue: str) -> list[tuple[DeadLetter, str, str]]:
        """Publish what an exchange could not route to that exchange again, with its own
        routing key (now that its queue may exist); what is still unroutable comes back to
        the same queue. Returns each message with the exchange and routing key it went to."""
        if queue not in UNROUTED_QUEUES:
            raise ValueError(f"{queue}: only {', '.join(UNROUTED_QUEUES)} are rerouted")
        channel = await self._connection.channel()
        publisher = Publisher(self._connection)
        kept = await channel.declare_queue(queue, passive=True)
        done: list[tuple[DeadLetter, str, str]] = []
        try:
            for _ in range(kept.declaration_result.message_count or 0):
                message = await kept.get(no_ack=False, fail=False)
                if message is None:
                    break
                letter = DeadLetter.from_message(queue, message)
                exchange, key = message.exchange or "", message.routing_key or ""
                await publisher.publish(
                    Outgoing(
                        exchange=exchange,
                        routing_key=key,
                        message_id=letter.message_id,
                        headers=letter.headers,
                        body=letter.body,
                        content_type=letter.content_type,
                    )
                )
                await message.ack()
                done.append((letter, exchange, key))
        finally:
            await channel.close()
            await publisher.close()
        return done

    async def _walk(
        self, queue: str, ids: set[str] | None, limit: int | None, action: str
    ) -> list[DeadLetter]:
        """Fetch dead letters one by one; act on the chosen ones, put the others back.

        When it returns, what it did not take is back in the queue, in its order: the
        broker puts fetched messages back asynchronously (a quorum queue through its log),
        so it waits until the queue counts them again; a count read right after a
        ``show`` once found 0.
        """
        name = dead_queue_name(queue)
        channel = await self._connection.channel()
        publisher = Publisher(self._connection)
        dead = await channel.declare_queue(name, passive=True)
        total = dead.declaration_result.message_count or 0
        chosen: list[DeadLetter] = []
        taken = 0
        try:
            for _ in range(total):
                message = await dead.get(no_ack=False, fail=False)
                if message is None:
                    break
                letter = DeadLetter.from_message(name[: -len(".dead")], message)
                if ids is None or letter.message_id in ids:
                    chosen.append(letter)
                    if action == "replay":
                        await publisher.publish(_replayed(letter))
                    if action in ("replay", "discard"):
                        await message.ack()
                        taken += 1
                if limit is not None and len(chosen) >= limit:
                    break
                if ids is not None and len(chosen) == len(ids):
                    break
        finally:
            await channel.close()  # what was fetched and not acked goes back to the queue
            await publisher.close()
        await self._until_counted(name, total - taken)
        return chosen

    async def _until_counted(self, name: str, expected: int, timeout: float = 10.0) -> None:
        # another operator taking some meanwhile: give up waiting, the messages are safe
        with contextlib.suppress(TimeoutError):
            await self._count_reaches(name, expected, timeout)

    async def _count_reaches(self, name: str, expected: int, timeout: float) -> None:
        counted: int | None = -1
        async with asyncio.timeout(timeout):
            while counted is not None and counted < expected:
                counted = (await self.waiting([name]))[name]
                if counted is not None and counted < expected:
                    await asyncio.sleep(0.02)

    async def show(
        self, queue: str, ids: set[str] | None = None, limit: int | None = 50
    ) -> list[DeadLetter]:
        return await self._walk(queue, ids, limit, "show")

    async def replay(self, queue: str, ids: set[str] | None = None) -> list[DeadLetter]:
        return await self._walk(queue, ids, None, "replay")

    async def discard(self, queue: str, ids: set[str] | None = None) -> list[DeadLetter]:
        return await self._walk(queue, ids, None, "discard")


def _replayed(letter: DeadLetter) -> Outgoing:
    headers = {k: v for k, v in letter.headers.items() if k not in _ERROR_HEADERS}
    headers[h.ATTEMPT] = 1
    return Outgoing(
        exchange="",
        routing_key=letter.queue,
        message_id=letter.message_id,
        headers=headers,
        body=letter.body,
        content_type=letter.content_type,
    )
