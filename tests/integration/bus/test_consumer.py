"""Consumer retries, dead letters and replay, against real PostgreSQL and RabbitMQ."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import aio_pika
from sqlalchemy import func, select

from encaisse.bus import headers as h
from encaisse.bus.consumer import Consumer, PermanentError
from encaisse.bus.deadletters import DeadLetters
from encaisse.bus.publisher import Outgoing, Publisher, connect
from encaisse.bus.topology import EVENTS, MAX_MESSAGE_BYTES, Binding, QueueSpec, declare
from encaisse.contracts import Envelope
from encaisse.contracts.envelope import encode
from support.bus import WidgetMade, scratch_schema

SPEC = QueueSpec("bustest.flaky", (Binding(EVENTS, "bustest.#"),), retry_delays_ms=(300, 600))


def _made(widget_id: int) -> Envelope:
    return Envelope(
        payload=WidgetMade(tenant="T1", version=1, widget_id=widget_id), subject=str(widget_id)
    )


class Recorder:
    """A handler whose failures the test chooses, and that records when it ran."""

    def __init__(self, failures: dict[int, int] | None = None, always_fail: set[int] = frozenset()):
        self.failures = dict(failures or {})
        self.always_fail = set(always_fail)
        self.calls: dict[int, list[float]] = {}
        self.done: list[int] = []

    async def __call__(self, envelope, uow) -> None:
        wid = envelope.payload.widget_id
        self.calls.setdefault(wid, []).append(time.monotonic())
        if wid in self.always_fail:
            raise RuntimeError(f"widget {wid} is cursed")
        if self.failures.get(wid, 0) > 0:
            self.failures[wid] -= 1
            raise ConnectionError(f"transient trouble with widget {wid}")
        if wid < 0:
            raise PermanentError("negative widgets make no sense")
        self.done.append(wid)


async def _wait(predicate, timeout=20.0):
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.05)


async def _dead_count(connection, queue) -> int:
    return (await DeadLetters(connection).counts([queue]))[f"{queue}.dead"]


async def _running(schema, connection, handler):
    consumer = Consumer(
        connection,
        SPEC,
        {WidgetMade: handler},
        schema.sessions,
        outbox=schema.outbox,
        inbox=schema.inbox,
        publisher=Publisher(connection),
    )
    await consumer.start()
    return consumer


async def test_transient_failures_are_retried_with_a_delay_and_others_keep_flowing(
    database_url, amqp_url
):
    async with scratch_schema(database_url) as schema:
        connection = await connect(amqp_url)
        recorder = Recorder(failures={1: 2})
        consumer = await _running(schema, connection, recorder)
        publisher = Publisher(connection)
        await publisher.publish_envelope(_made(1))
        for wid in range(2, 12):
            await publisher.publish_envelope(_made(wid))
        await _wait(lambda: 1 in recorder.done)
        calls = recorder.calls[1]
        assert len(calls) == 3, "failed twice, succeeded the third time"
        assert calls[1] - calls[0] >= 0.25 and calls[2] - calls[1] >= 0.5, "growing delays"
        # the others were handled while widget 1 was waiting
        assert set(recorder.done[:10]) == set(range(2, 12))
        assert await _dead_count(connection, SPEC.name) == 0
        await consumer.stop()
        await connection.close()


async def test_always_failing_and_malformed_messages_land_in_the_dead_letter_queue(
    database_url, amqp_url
):
    async with scratch_schema(database_url) as schema:
        connection = await connect(amqp_url)
        recorder = Recorder(always_fail={13})
        consumer = await _running(schema, connection, recorder)
        publisher = Publisher(connection)
        await publisher.publish_envelope(_made(13))
        await publisher.publish_envelope(_made(-1))
        channel = await connection.channel()
        events = await channel.get_exchange(EVENTS)
        await events.publish(
            aio_pika.Message(b"{not json", headers={"ce-type": "x"}, message_id="garbage-1"),
            "bustest.widget.made.v1",
        )
        for wid in range(20, 25):
            await publisher.publish_envelope(_made(wid))
        await _wait(lambda: len(recorder.done) == 5)
        dead = DeadLetters(connection)
        async with asyncio.timeout(20):
            while await _dead_count(connection, SPEC.name) < 3:
                await asyncio.sleep(0.1)
        letters = {letter.message_id: letter for letter in await dead.show(SPEC.name)}
        assert len(recorder.calls[13]) == SPEC.max_attempts == 3
        cursed = next(
            v for v in letters.values() if v.type.endswith("widget.made.v1") and "cursed" in v.error
        )
        assert cursed.reason == "exhausted" and "RuntimeError: widget 13 is cursed" in cursed.error
        assert cursed.original_routing_key == "bustest.widget.made.v1"
        assert letters["garbage-1"].reason == "invalid"
        negative = next(v for v in letters.values() if "negative widgets" in v.error)
        assert negative.reason == "rejected" and len(recorder.calls[-1]) == 1
        # showing leaves them in place
        assert await _dead_count(connection, SPEC.name) == 3
        assert len(recorder.calls[13]) == 3  # nothing more happened
        await consumer.stop()
        await connection.close()


async def test_dlq_command_replays_a_dead_letter_once_the_handler_is_fixed(database_url, amqp_url):
    async with scratch_schema(database_url) as schema:
        connection = await connect(amqp_url)
        recorder = Recorder(always_fail={42})
        consumer = await _running(schema, connection, recorder)
        dead_message = _made(42)
        await Publisher(connection).publish_envelope(dead_message)
        async with asyncio.timeout(20):
            while await _dead_count(connection, SPEC.name) < 1:
                await asyncio.sleep(0.1)
        recorder.always_fail.clear()  # the fix is deployed

        env = dict(os.environ, ENCAISSE_AMQP_URL=amqp_url)
        dlq = [sys.executable, "-m", "encaisse.bus.dlq"]
        listed = subprocess.run(
            [*dlq, "list", SPEC.name], env=env, capture_output=True, text=True, check=True
        )
        assert f"{SPEC.name}.dead\t1" in listed.stdout
        shown = subprocess.run(
            [*dlq, "show", SPEC.name, "--id", dead_message.id],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert "widget 42 is cursed" in shown.stdout
        replayed = await asyncio.to_thread(
            subprocess.run,
            [*dlq, "replay", SPEC.name, "--id", dead_message.id],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert "1 replayed" in replayed.stdout
        await _wait(lambda: 42 in recorder.done)
        assert await _dead_count(connection, SPEC.name) == 0
        async with schema.engine.connect() as conn:
            processed = await conn.scalar(
                select(func.count())
                .select_from(schema.inbox)
                .where(schema.inbox.c.message_id == dead_message.id)
            )
        assert processed == 1
        await consumer.stop()
        await connection.close()


async def test_dlq_discard_removes_for_good(database_url, amqp_url):
    async with scratch_schema(database_url) as schema:
        connection = await connect(amqp_url)
        consumer = await _running(schema, connection, Recorder())
        await Publisher(connection).publish_envelope(_made(-5))
        await Publisher(connection).publish_envelope(_made(-6))
        async with asyncio.timeout(20):
            while await _dead_count(connection, SPEC.name) < 2:
                await asyncio.sleep(0.1)
        letters = await DeadLetters(connection).show(SPEC.name)
        first = letters[0]
        gone = await DeadLetters(connection).discard(SPEC.name, {first.message_id})
        assert [g.message_id for g in gone] == [first.message_id]
        remaining = await DeadLetters(connection).show(SPEC.name)
        assert [r.message_id for r in remaining] == [letters[1].message_id]
        assert remaining[0].headers[h.QUEUE] == SPEC.name
        await consumer.stop()
        await connection.close()


async def test_graceful_stop_finishes_in_flight_messages(database_url, amqp_url):
    async with scratch_schema(database_url) as schema:
        connection = await connect(amqp_url)
        started, finished = asyncio.Event(), []

        async def slow(envelope, uow):
            started.set()
            await asyncio.sleep(0.5)
            finished.append(envelope.payload.widget_id)

        consumer = await _running(schema, connection, slow)
        await Publisher(connection).publish_envelope(_made(99))
        await asyncio.wait_for(started.wait(), 10)
        await consumer.stop()
        assert finished == [99]
        async with schema.engine.connect() as conn:
            assert await conn.scalar(select(func.count()).select_from(schema.inbox)) == 1
        await connection.close()


async def test_a_failing_message_in_a_batch_does_not_double_the_others_effects(
    database_url, amqp_url
):
    """Batched handling: the failed batch is rolled back and replayed one by one."""
    from sqlalchemy import update

    spec = QueueSpec(
        "bustest.batched",
        (Binding(EVENTS, "bustest.#"),),
        retry_delays_ms=(100,),
        batch_size=50,
        workers=1,
    )
    async with scratch_schema(database_url) as schema:
        connection = await connect(amqp_url)
        widgets = schema.widgets

        async def count_once(envelope, uow):
            wid = envelope.payload.widget_id
            await uow.session.execute(
                update(widgets).where(widgets.c.id == wid).values(seen=widgets.c.seen + 1)
            )
            if wid == 15:
                raise RuntimeError("fifteen fails")

        async with schema.sessions() as session, session.begin():
            await session.execute(
                widgets.insert(), [{"id": i, "name": f"w{i}"} for i in range(1, 31)]
            )
        channel = await connection.channel()
        await declare(channel, spec)  # queue first, so that all 30 wait for one batch
        publisher = Publisher(connection)
        await publisher.publish_many(Outgoing.from_envelope(_made(i)) for i in range(1, 31))
        consumer = Consumer(
            connection,
            spec,
            {WidgetMade: count_once},
            schema.sessions,
            outbox=schema.outbox,
            inbox=schema.inbox,
            publisher=publisher,
        )
        await consumer.start()
        async with asyncio.timeout(20):
            while (await DeadLetters(connection).counts([spec.name]))[f"{spec.name}.dead"] < 1:
                await asyncio.sleep(0.1)
        await consumer.stop()
        async with schema.engine.connect() as conn:
            seen = dict((await conn.execute(select(widgets.c.id, widgets.c.seen))).all())
        assert seen.pop(15) == 0, "the failing handler's effect was rolled back"
        assert set(seen.values()) == {1}, seen
        await connection.close()


class _NotUtf8(str):
    """A header text whose bytes on the wire are not UTF-8 (pamqp encodes with ``encode``):
    what a foreign producer can send, and what pamqp then hands over as ``bytes``."""

    def encode(self, *args, **kwargs) -> bytes:
        return b"\xff\xfe not utf-8"


BATCH_SPEC = QueueSpec(
    "bustest.batched", (Binding(EVENTS, "bustest.#"),), retry_delays_ms=(300,), batch_size=50
)


async def test_a_header_that_is_not_utf8_sends_that_message_alone_to_the_dead_letter_queue(
    database_url, amqp_url
):
    """pamqp hands such a header over as bytes; decoding it used to raise past the batch,
    which then stayed unacked until the broker's consumer timeout, good messages with it."""
    async with scratch_schema(database_url) as schema:
        connection = await connect(amqp_url)
        channel = await connection.channel()
        await declare(channel, BATCH_SPEC)
        events = await channel.get_exchange(EVENTS)
        for wid in range(1, 21):
            wire = encode(_made(wid))
            headers = dict(wire.headers)
            if wid == 7:
                headers["ce-subject"] = _NotUtf8("\xff\xfe not utf-8")
            await events.publish(
                aio_pika.Message(
                    wire.body,
                    headers=headers,
                    content_type=wire.content_type,
                    message_id=f"raw-{wid}",
                ),
                "bustest.widget.made.v1",
            )
        recorder = Recorder()
        consumer = Consumer(
            connection,
            BATCH_SPEC,
            {WidgetMade: recorder},
            schema.sessions,
            outbox=schema.outbox,
            inbox=schema.inbox,
            publisher=Publisher(connection),
        )
        await consumer.start()  # all twenty wait in the queue: they come as one batch
        await _wait(lambda: len(recorder.done) == 19)
        assert sorted(recorder.done) == [w for w in range(1, 21) if w != 7]
        async with asyncio.timeout(20):
            while await _dead_count(connection, BATCH_SPEC.name) < 1:
                await asyncio.sleep(0.1)
        [bad] = await DeadLetters(connection).show(BATCH_SPEC.name)
        assert bad.reason == "invalid" and "ce-subject" in bad.error and "UTF-8" in bad.error
        await consumer.stop()
        left = await channel.declare_queue(BATCH_SPEC.name, passive=True)
        assert left.declaration_result.message_count == 0  # nothing held back unacked
        await connection.close()


async def test_a_message_over_the_size_limit_is_dead_lettered_unparsed(database_url, amqp_url):
    async with scratch_schema(database_url) as schema:
        connection = await connect(amqp_url)
        channel = await connection.channel()
        await declare(channel, SPEC)
        events = await channel.get_exchange(EVENTS)
        for wid, padding in ((1, 0), (2, MAX_MESSAGE_BYTES), (3, 0)):
            wire = encode(_made(wid))
            await events.publish(
                aio_pika.Message(
                    wire.body + b" " * padding,
                    headers=dict(wire.headers),
                    content_type=wire.content_type,
                    message_id=f"sized-{wid}",
                ),
                "bustest.widget.made.v1",
            )
        recorder = Recorder()
        consumer = Consumer(
            connection,
            SPEC,
            {WidgetMade: recorder},
            schema.sessions,
            outbox=schema.outbox,
            inbox=schema.inbox,
            publisher=Publisher(connection),
        )
        await consumer.start()
        await _wait(lambda: len(recorder.done) == 2)
        async with asyncio.timeout(20):
            while await _dead_count(connection, SPEC.name) < 1:
                await asyncio.sleep(0.1)
        [big] = await DeadLetters(connection).show(SPEC.name)
        assert big.reason == "too_large" and big.message_id == "sized-2"
        assert f"more than the {MAX_MESSAGE_BYTES}" in big.error
        assert sorted(recorder.done) == [1, 3]
        await consumer.stop()
        await connection.close()
