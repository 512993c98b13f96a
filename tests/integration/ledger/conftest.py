"""A running ledger per test, a tenant of the test's own, and a subscriber to its events."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aio_pika
import httpx
import pytest
from fastapi import FastAPI

from encaisse.bus.topology import EVENTS, declare_exchanges
from encaisse.contracts import Envelope, decode
from encaisse.kit.clock import SettableClock
from support.http import client
from support.services import service_app


@dataclass
class Subscriber:
    """An external system's queue bound to ``encaisse.events`` with ``ledger.#``."""

    received: list[Envelope[Any]] = field(default_factory=list)

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[Envelope[Any]]:
        async with asyncio.timeout(timeout):
            while len(self.received) < count:
                await asyncio.sleep(0.02)
        return list(self.received)

    async def quiet(self, seconds: float = 0.5) -> list[Envelope[Any]]:
        """What arrived after waiting ``seconds`` (the relay polls every 20 ms in tests)."""
        await asyncio.sleep(seconds)
        return list(self.received)

    def types(self) -> list[str]:
        return [e.routing_key for e in self.received]

    def clear(self) -> None:
        self.received.clear()


@dataclass
class Ledger:
    app: FastAPI
    http: httpx.AsyncClient
    other: httpx.AsyncClient
    events: Subscriber
    tenant: str
    amqp_url: str
    clock: SettableClock  # the wall clock until a test sets it

    def ref(self, prefix: str) -> str:
        return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def ledger(database_url: str, amqp_url: str) -> AsyncIterator[Ledger]:
    tenant = f"T{uuid.uuid4().hex[:8].upper()}"
    tokens = {
        "t-collector": {"role": "collector", "tenant": tenant, "name": "Colin"},
        "t-viewer": {"role": "viewer", "tenant": tenant, "name": "Victor"},
        "t-other": {"role": "admin", "tenant": tenant + "X", "name": "Olga"},
    }
    clock = SettableClock()
    app = await service_app("ledger", database_url, amqp_url, clock=clock, staff_tokens=tokens)
    subscriber = Subscriber()
    connection = await aio_pika.connect(amqp_url)
    channel = await connection.channel()
    await declare_exchanges(channel)
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(EVENTS, routing_key="ledger.#")

    async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        async with message.process():
            envelope = decode(message.headers or {}, message.content_type, message.body)
            if envelope.tenant == tenant:
                subscriber.received.append(envelope)

    await queue.consume(on_message)
    try:
        async with client(app, "t-collector") as http:
            other = httpx.AsyncClient(
                base_url=str(http.base_url), headers={"Authorization": "Bearer t-other"}, timeout=30
            )
            async with other:
                yield Ledger(app, http, other, subscriber, tenant, amqp_url, clock)
    finally:
        await connection.close()
