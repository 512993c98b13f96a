"""Publishing with publisher confirms on a robust connection.

The publisher owns its own channel (confirms on); consumers use another, so a
slow consumer never holds up a publish and vice versa.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractExchange

from encaisse.contracts.envelope import Envelope, encode


@dataclass(frozen=True)
class Outgoing:
    """A message ready for the wire."""

    exchange: str
    routing_key: str
    message_id: str
    headers: Mapping[str, Any]
    body: bytes
    content_type: str = "application/json"

    @classmethod
    def from_envelope(cls, envelope: Envelope[Any]) -> Outgoing:
        wire = encode(envelope)
        return cls(
            exchange=envelope.exchange,
            routing_key=envelope.routing_key,
            message_id=envelope.id,
            headers=wire.headers,
            body=wire.body,
            content_type=wire.content_type,
        )

    def to_amqp(self) -> aio_pika.Message:
        return aio_pika.Message(
            body=self.body,
            headers=dict(self.headers),
            content_type=self.content_type,
            message_id=self.message_id,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )


async def connect(url: str) -> AbstractConnection:
    """A robust connection: channels and consumers come back after a broker restart."""
    return await aio_pika.connect_robust(url, client_properties={"connection_name": "encaisse"})


class PartlyPublished(Exception):
    """Some messages of a batch were not confirmed (``confirmed[i]`` for the i-th): the
    caller may keep the ones that were, rather than publish them again."""

    def __init__(self, cause: BaseException, confirmed: list[bool]) -> None:
        super().__init__(f"{confirmed.count(False)} of {len(confirmed)} not confirmed: {cause!r}")
        self.cause = cause
        self.confirmed = confirmed


class Publisher:
    """Publishes with confirms; ``publish_many`` pipelines a batch and waits for every confirm."""

    def __init__(self, connection: AbstractConnection, *, timeout: float = 30.0) -> None:
        self._connection = connection
        self._timeout = timeout
        self._channel: AbstractChannel | None = None
        self._exchanges: dict[str, AbstractExchange] = {}

    async def _channel_ready(self) -> AbstractChannel:
        if self._channel is None or self._channel.is_closed:
            self._channel = await asyncio.wait_for(
                self._connection.channel(publisher_confirms=True), self._timeout
            )
            self._exchanges.clear()
        return self._channel

    async def _exchange(self, name: str) -> AbstractExchange:
        channel = await self._channel_ready()
        if name == "":
            return channel.default_exchange
        if name not in self._exchanges:
            self._exchanges[name] = await channel.get_exchange(name, ensure=False)
        return self._exchanges[name]

    async def publish(self, message: Outgoing) -> None:
        exchange = await self._exchange(message.exchange)
        await exchange.publish(
            message.to_amqp(),
            routing_key=message.routing_key,
            mandatory=False,
            timeout=self._timeout,
        )

    async def publish_envelope(self, envelope: Envelope[Any]) -> None:
        await self.publish(Outgoing.from_envelope(envelope))

    async def publish_many(self, messages: Iterable[Outgoing]) -> None:
        """Publish in order on one channel and wait for all confirms; raise if any fails.

        aiormq serialises frames on the channel under a FIFO lock, so the broker
        receives them in the order given.
        """
        pending = []
        for message in messages:
            exchange = await self._exchange(message.exchange)
            pending.append(
                asyncio.ensure_future(
                    exchange.publish(
                        message.to_amqp(),
                        routing_key=message.routing_key,
                        mandatory=False,
                        timeout=self._timeout,
                    )
                )
            )
        if pending:
            results = await asyncio.gather(*pending, return_exceptions=True)
            errors = [r for r in results if isinstance(r, BaseException)]
            if errors:
                confirmed = [not isinstance(r, BaseException) for r in results]
                raise PartlyPublished(errors[0], confirmed) from errors[0]

    async def close(self) -> None:
        if self._channel is not None and not self._channel.is_closed:
            await self._channel.close()
