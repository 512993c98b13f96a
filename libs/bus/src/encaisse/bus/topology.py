"""The broker's topology, as data.

Declared in a fixed order: the dead-letter exchange and each queue's
dead-letter queue first, so that a message rejected while the rest is being
declared always has somewhere to go.

- ``encaisse.events`` (topic): events; external systems bind their own queues. An
  event that no queue takes goes to the alternate exchange ``encaisse.unrouted-events``
  (topic), bound with the patterns of Encaisse's own subscriptions
  (``encaisse.bus.catalog``): an event some Encaisse service should have received is
  kept in the queue ``encaisse.unrouted-events`` (``encaisse-dlq reroute`` sends it
  again), one nobody subscribes to by design is dropped as before.
- ``encaisse.commands`` (topic): commands; unroutable ones go to the alternate
  exchange ``encaisse.unrouted`` so that a command for a service not yet
  deployed is kept, not lost.
- ``encaisse.dead`` (direct): a queue's dead letters, routed by the queue name
  to ``<queue>.dead``.
- retries: ``<queue>.retry.<n>`` wait queues, one per delay, with a message TTL
  and the default exchange as dead-letter target, routed back to ``<queue>``
  alone (other subscribers of the same event are not disturbed).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractQueue
from aio_pika.exceptions import ChannelPreconditionFailed

log = logging.getLogger(__name__)

EVENTS = "encaisse.events"
COMMANDS = "encaisse.commands"
DEAD = "encaisse.dead"
UNROUTED = "encaisse.unrouted"
UNROUTED_EVENTS = "encaisse.unrouted-events"
# A command or event body is at most this large: a larger one is dead-lettered before it
# is parsed (one 30 MB context once grew a consumer by 54 MB it never gave back).
MAX_MESSAGE_BYTES = 4 << 20  # a statement of some 13,000 invoices


@dataclass(frozen=True)
class Exchange:
    name: str
    type: aio_pika.ExchangeType = aio_pika.ExchangeType.TOPIC
    arguments: tuple[tuple[str, str], ...] = ()


EXCHANGES = (
    Exchange(UNROUTED, aio_pika.ExchangeType.FANOUT),
    Exchange(UNROUTED_EVENTS),
    Exchange(EVENTS, arguments=(("alternate-exchange", UNROUTED_EVENTS),)),
    Exchange(COMMANDS, arguments=(("alternate-exchange", UNROUTED),)),
)
DEAD_EXCHANGE = Exchange(DEAD, aio_pika.ExchangeType.DIRECT)


@dataclass(frozen=True)
class Binding:
    exchange: str
    pattern: str


@dataclass(frozen=True)
class QueueSpec:
    """A durable quorum queue ``<service>.<purpose>`` with its retry and dead-letter queues."""

    name: str
    bindings: tuple[Binding, ...] = ()
    retry_delays_ms: tuple[int, ...] = (1_000, 10_000, 60_000, 300_000)
    prefetch: int = 200
    workers: int = 4
    # Messages handled together in one transaction. Only for handlers whose every
    # effect is in that transaction: a failed batch is rolled back and replayed one
    # message at a time, so an external effect (an email sent) would happen twice.
    batch_size: int = 1
    arguments: tuple[tuple[str, object], ...] = field(default=())
    max_message_bytes: int = MAX_MESSAGE_BYTES

    @property
    def max_attempts(self) -> int:
        """First delivery plus one per retry delay."""
        return len(self.retry_delays_ms) + 1

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.name}.dead"

    def retry_queue(self, retry: int) -> str:
        """Wait queue for the n-th retry (1-based); past the last, the last one's delay."""
        index = min(retry, len(self.retry_delays_ms))
        return f"{self.name}.retry.{index}"


UNROUTED_QUEUE = QueueSpec(UNROUTED, bindings=(Binding(UNROUTED, "#"),), retry_delays_ms=())


async def exchanges_as_they_are(connection: AbstractConnection) -> frozenset[str]:
    """The exchanges a broker already has with other arguments (an ``encaisse.events``
    from before its alternate exchange): they are used as they are, with a warning saying
    how to add the arguments without losing their bindings (a broker policy). Each is
    tried on a channel of its own, which the broker closes on a mismatch."""
    found = set()
    for ex in EXCHANGES:
        if not ex.arguments:
            continue
        channel = await connection.channel()
        try:
            await channel.declare_exchange(
                ex.name, ex.type, durable=True, arguments=dict(ex.arguments)
            )
        except ChannelPreconditionFailed:
            found.add(ex.name)
            log.warning(
                "exchange %s exists without %s: set them by a policy, e.g. rabbitmqctl "
                "set_policy %s '^%s$' '%s' --apply-to exchanges",
                ex.name,
                dict(ex.arguments),
                ex.name,
                re.escape(ex.name),
                json.dumps(dict(ex.arguments)),
            )
        finally:
            with contextlib.suppress(Exception):
                await channel.close()
    return frozenset(found)


async def declare_exchanges(
    channel: AbstractChannel, *, as_is: frozenset[str] = frozenset()
) -> None:
    """Declare the exchanges; those named in ``as_is`` only checked to exist."""
    for ex in (DEAD_EXCHANGE, *EXCHANGES):
        if ex.name in as_is:
            await channel.declare_exchange(ex.name, ex.type, passive=True)
            continue
        await channel.declare_exchange(
            ex.name, ex.type, durable=True, arguments=dict(ex.arguments) or None
        )


def _quorum(**extra: Any) -> dict[str, Any]:
    return {"x-queue-type": "quorum", **extra}


async def declare_queue(
    channel: AbstractChannel, spec: QueueSpec, *, with_retries: bool = True
) -> AbstractQueue:
    """Declare a queue, its dead-letter queue first, then its retry queues (the consumer's
    own delays: only the queue's owner declares them)."""
    dead = await channel.declare_queue(spec.dead_letter_queue, durable=True, arguments=_quorum())
    await dead.bind(DEAD, routing_key=spec.name)
    queue = await channel.declare_queue(
        spec.name,
        durable=True,
        arguments=_quorum(
            **{"x-dead-letter-exchange": DEAD, "x-dead-letter-routing-key": spec.name},
            **dict(spec.arguments),
        ),
    )
    for index, delay in enumerate(spec.retry_delays_ms if with_retries else (), start=1):
        await channel.declare_queue(
            spec.retry_queue(index),
            durable=True,
            arguments=_quorum(
                **{
                    "x-message-ttl": delay,
                    "x-dead-letter-exchange": "",
                    "x-dead-letter-routing-key": spec.name,
                }
            ),
        )
    for binding in spec.bindings:
        await queue.bind(binding.exchange, routing_key=binding.pattern)
    return queue


async def declare(
    channel: AbstractChannel, *queues: QueueSpec, as_is: frozenset[str] = frozenset()
) -> dict[str, AbstractQueue]:
    """Declare the exchanges and the given queues; idempotent."""
    await declare_exchanges(channel, as_is=as_is)
    declared = {UNROUTED: await declare_queue(channel, UNROUTED_QUEUE)}
    for spec in queues:
        declared[spec.name] = await declare_queue(channel, spec)
    return declared
