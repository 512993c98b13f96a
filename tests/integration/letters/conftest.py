"""Fixtures for the letters service: the postal sandbox over HTTP, the service, its events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from encaisse.bus.publisher import Publisher, connect
from encaisse.bus.topology import EVENTS, declare_exchanges
from encaisse.contracts import Envelope, decode
from encaisse.letters.sandbox import build_sandbox
from support.http import free_port, serve
from support.services import migrate, service_app

LINK_KEYS = {"k1": "letters-test-secret"}


@dataclass
class Events:
    """Every ``letters.*`` event published on the test's vhost, decoded, in order."""

    received: list[Envelope[Any]] = field(default_factory=list)

    def of(self, letter_id: str) -> list[str]:
        return [
            e.routing_key.split(".")[2] for e in self.received if e.payload.letter_id == letter_id
        ]

    async def wait(self, predicate, timeout: float = 20.0) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                await asyncio.sleep(0.05)


@dataclass
class Bus:
    publisher: Publisher
    events: Events

    async def send(self, command) -> None:
        envelope = Envelope(payload=command, subject=command.idempotency_key)
        await self.publisher.publish_envelope(envelope)


@pytest.fixture
async def bus(amqp_url) -> AsyncIterator[Bus]:
    connection = await connect(amqp_url)
    channel = await connection.channel()
    await declare_exchanges(channel)
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(EVENTS, routing_key="letters.#")
    events = Events()

    async def on_message(message) -> None:
        events.received.append(decode(dict(message.headers), message.content_type, message.body))
        await message.ack()

    await queue.consume(on_message)
    yield Bus(Publisher(connection), events)
    await connection.close()


@dataclass
class Sandbox:
    url: str
    http: httpx.AsyncClient

    async def choose(self, word: str, fate: str) -> None:
        (
            await self.http.post(
                "/_sandbox/fates", json={"when_recipient_contains": word, "fate": fate}
            )
        ).raise_for_status()

    async def sendings(self) -> list[dict[str, Any]]:
        return (await self.http.get("/_sandbox/sendings")).json()


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with (
        serve(build_sandbox(step_seconds=0.3)) as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        yield Sandbox(url, http)


def letters_settings(sandbox_url: str, storage_dir, port: int) -> dict[str, Any]:
    return {
        "postal_url": sandbox_url,
        "storage_dir": str(storage_dir),
        "http_port": port,
        "dispatch_idle_seconds": "0.05",
        "postal_poll_seconds": "0.2",
        "portal_link_keys": LINK_KEYS,
        "portal_link_key_id": "k1",
    }


@pytest.fixture
async def no_letters(database_url) -> None:
    """The run's database is shared by every test: start each from no letters."""
    await migrate("letters", database_url)
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(
            text("TRUNCATE letters.letters, letters.proofs, letters.outbox, letters.inbox")
        )
    await engine.dispose()


@pytest.fixture
async def letters(
    database_url, amqp_url, sandbox, tmp_path, no_letters
) -> AsyncIterator[httpx.AsyncClient]:
    """The letters service over HTTP, as the collector of tenant ACME."""
    port = free_port()
    app = await service_app(
        "letters", database_url, amqp_url, **letters_settings(sandbox.url, tmp_path / "store", port)
    )
    async with (
        serve(app, port) as url,
        httpx.AsyncClient(
            base_url=url, headers={"Authorization": "Bearer collector-token"}, timeout=30
        ) as http,
    ):
        yield http
