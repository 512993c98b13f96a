"""Outbox and relay against real PostgreSQL and RabbitMQ."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import aio_pika
import pytest
from sqlalchemy import func, insert, select, update

from encaisse.bus.bundle import bundle
from encaisse.bus.consumer import Consumer
from encaisse.bus.outbox import OutboxRelay, stage
from encaisse.bus.publisher import PartlyPublished, Publisher, connect
from encaisse.bus.topology import EVENTS, Binding, QueueSpec
from encaisse.contracts import Envelope, decode
from support.bus import WidgetMade, scratch_schema

N = 1_000


class KilledMidway(Publisher):
    """Dies (as a killed process would) right after the broker confirmed a batch,
    before the relay could delete the rows: the worst moment."""

    def __init__(self, connection, after: int) -> None:
        super().__init__(connection)
        self.after = after
        self.sent = 0

    async def publish_many(self, messages) -> None:
        await super().publish_many(messages)
        self.sent += 1
        if self.sent * 100 >= self.after:
            raise asyncio.CancelledError("relay killed")


async def _commit_widgets(schema, ids: range) -> None:
    """Business rows and their outbox rows, committed together, one transaction each."""
    for widget_id in ids:
        async with schema.sessions() as session, session.begin():
            await session.execute(insert(schema.widgets).values(id=widget_id, name=f"w{widget_id}"))
            await stage(
                session,
                schema.outbox,
                [
                    Envelope(
                        payload=WidgetMade(tenant="T1", version=1, widget_id=widget_id),
                        subject=str(widget_id),
                    )
                ],
            )


async def _probe(connection) -> aio_pika.abc.AbstractQueue:
    """A queue of the test's own that sees every event."""
    channel = await connection.channel()
    events = await channel.declare_exchange(EVENTS, aio_pika.ExchangeType.TOPIC, durable=True)
    probe = await channel.declare_queue("", exclusive=True)
    await probe.bind(events, "#")
    return probe


async def _take(probe, count: int, timeout: float = 10) -> list:
    """The next ``count`` messages of ``probe``, in the order they came."""
    messages = []
    async with asyncio.timeout(timeout):
        while len(messages) < count:
            message = await probe.get(no_ack=True, fail=False)
            if message is None:
                await asyncio.sleep(0.02)
                continue
            messages.append(message)
    return messages


async def test_relay_killed_halfway_then_restarted_delivers_each_effect_once(
    database_url, amqp_url
):
    async with scratch_schema(database_url) as schema:
        await _commit_widgets(schema, range(1, N + 1))
        connection = await connect(amqp_url)

        async def mark_seen(envelope, uow):
            await uow.session.execute(
                update(schema.widgets)
                .where(schema.widgets.c.id == envelope.payload.widget_id)
                .values(seen=schema.widgets.c.seen + 1)
            )

        spec = QueueSpec(
            "bustest.widgets", (Binding(EVENTS, "bustest.widget.*.v1"),), retry_delays_ms=(100,)
        )
        publisher = Publisher(connection)
        consumer = Consumer(
            connection,
            spec,
            {WidgetMade: mark_seen},
            schema.sessions,
            outbox=schema.outbox,
            inbox=schema.inbox,
            publisher=publisher,
        )
        await consumer.start()

        dying = KilledMidway(connection, after=N // 2)
        first = OutboxRelay(schema.engine, schema.outbox, dying, batch_size=100)
        with pytest.raises(asyncio.CancelledError):
            await first.run()
        async with schema.engine.connect() as conn:
            left = await conn.scalar(select(func.count()).select_from(schema.outbox))
        # the batch confirmed just before the kill was not deleted: it will go out again
        assert N // 2 - 100 <= N - left <= N // 2, left

        second = OutboxRelay(schema.engine, schema.outbox, Publisher(connection), batch_size=100)
        task = asyncio.create_task(second.run())
        async with asyncio.timeout(60):
            while True:
                async with schema.engine.connect() as conn:
                    done = await conn.scalar(
                        select(func.count())
                        .select_from(schema.widgets)
                        .where(schema.widgets.c.seen > 0)
                    )
                    inbox = await conn.scalar(select(func.count()).select_from(schema.inbox))
                if done == N and inbox == N:
                    break
                await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # let any duplicate arrive
        second.stop()
        await task
        await consumer.stop()
        async with schema.engine.connect() as conn:
            seen = (await conn.execute(select(schema.widgets.c.seen))).scalars().all()
            left = await conn.scalar(select(func.count()).select_from(schema.outbox))
        assert len(seen) == N and set(seen) == {1}, "each handler effect happened exactly once"
        assert left == 0
        await connection.close()


async def test_rolled_back_transaction_publishes_nothing(database_url, amqp_url):
    async with scratch_schema(database_url) as schema:
        connection = await connect(amqp_url)
        probe = await _probe(connection)
        with pytest.raises(RuntimeError):
            async with schema.sessions() as session, session.begin():
                await session.execute(insert(schema.widgets).values(id=1, name="ghost"))
                await stage(
                    session,
                    schema.outbox,
                    [
                        Envelope(
                            payload=WidgetMade(tenant="T1", version=1, widget_id=1), subject="1"
                        )
                    ],
                )
                raise RuntimeError("business rule failed")
        relay = OutboxRelay(schema.engine, schema.outbox, Publisher(connection))
        assert await relay.relay_once() == 0
        # a committed one does go out, so the probe is known to work
        await _commit_widgets(schema, range(2, 3))
        assert await relay.relay_once() == 1
        (message,) = await _take(probe, 1, timeout=5)
        assert message.headers["ce-subject"] == "2"
        await asyncio.sleep(0.3)
        assert await probe.get(no_ack=True, fail=False) is None
        await connection.close()


async def test_relay_keeps_order_per_aggregate(database_url, amqp_url):
    async with scratch_schema(database_url) as schema:
        async with schema.sessions() as session, session.begin():
            await stage(
                session,
                schema.outbox,
                [
                    Envelope(payload=WidgetMade(tenant="T1", version=v, widget_id=7), subject="7")
                    for v in range(1, 201)
                ],
            )
        connection = await connect(amqp_url)
        probe = await _probe(connection)
        relay = OutboxRelay(schema.engine, schema.outbox, Publisher(connection), batch_size=64)
        while await relay.relay_once():
            pass
        versions = [
            int(m.body.split(b'"version":')[1].split(b",")[0]) for m in await _take(probe, 200)
        ]
        assert versions == list(range(1, 201))
        await connection.close()


class Recording(Publisher):
    def __init__(self, connection) -> None:
        super().__init__(connection)
        self.batches: list[int] = []

    async def publish_many(self, messages) -> None:
        messages = list(messages)
        self.batches.append(len(messages))
        await super().publish_many(messages)


async def test_bundles_go_out_in_their_place_as_single_messages(database_url, amqp_url):
    """Rows of one message and bundle rows, interleaved: one order, batches bounded."""
    now = datetime.now(UTC)  # a bundle's messages share their time

    def made(version: int) -> Envelope:
        return Envelope(
            payload=WidgetMade(tenant="T1", version=version, widget_id=9), subject="9", time=now
        )

    async with scratch_schema(database_url) as schema:
        envelopes = [made(v) for v in range(1, 12)]
        async with schema.sessions() as session, session.begin():
            await stage(session, schema.outbox, envelopes[0:1])
            await session.execute(insert(schema.outbox), [bundle(envelopes[1:4])])
            await stage(session, schema.outbox, envelopes[4:5])
            await session.execute(insert(schema.outbox), [bundle(envelopes[5:11])])
        connection = await connect(amqp_url)
        probe = await _probe(connection)
        publisher = Recording(connection)
        relay = OutboxRelay(schema.engine, schema.outbox, publisher, batch_size=4)
        while await relay.relay_once():
            pass
        # up to 4 messages a batch, except a bundle larger than that, which goes alone
        assert publisher.batches == [4, 1, 6]
        received = [decode(m.headers, m.content_type, m.body) for m in await _take(probe, 11)]
        assert [e.id for e in received] == [e.id for e in envelopes]
        assert [e.payload for e in received] == [e.payload for e in envelopes]
        async with schema.engine.connect() as conn:
            assert await conn.scalar(select(func.count()).select_from(schema.outbox)) == 0
        await connection.close()


class ConfirmsLost(Publisher):
    """The broker confirms the first ``confirmed`` messages of the first batch, and the
    others' confirms time out (a loaded broker): they never reached it."""

    def __init__(self, connection, confirmed: int) -> None:
        super().__init__(connection)
        self.confirmed = confirmed
        self.calls = 0

    async def publish_many(self, messages) -> None:
        messages = list(messages)
        self.calls += 1
        if self.calls > 1:
            await super().publish_many(messages)
            return
        await super().publish_many(messages[: self.confirmed])
        lost = len(messages) - self.confirmed
        raise PartlyPublished(TimeoutError(), [True] * self.confirmed + [False] * lost)


async def test_a_batch_partly_confirmed_sends_again_only_what_was_not(database_url, amqp_url):
    """A confirm that times out made the relay publish the whole batch again: every
    message the broker had confirmed went out twice (seen with two scheduler instances
    under load). Now the confirmed rows are deleted and only the rest goes again, in order."""
    async with scratch_schema(database_url) as schema:
        await _commit_widgets(schema, range(1, 11))
        connection = await connect(amqp_url)
        probe = await _probe(connection)
        relay = OutboxRelay(
            schema.engine, schema.outbox, ConfirmsLost(connection, 4), batch_size=100
        )
        with pytest.raises(TimeoutError):
            await relay.relay_once()
        async with schema.engine.connect() as conn:
            assert await conn.scalar(select(func.count()).select_from(schema.outbox)) == 6
        assert await relay.relay_once() == 6
        messages = await _take(probe, 10)
        ids = [decode(m.headers, m.content_type, m.body).payload.widget_id for m in messages]
        assert ids == list(range(1, 11))
        await asyncio.sleep(0.3)
        assert await probe.get(no_ack=True, fail=False) is None  # nothing twice
        await connection.close()
