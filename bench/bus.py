"""Messages per second through outbox + relay + consumer with inbox, beside raw aio-pika.

    .venv/bin/python bench/bus.py [--messages 20000]
        [--workers 2 --batch 500 --prefetch 2000 --relay-batch 2000]

Same machine, same run, same broker, each side in its own process, as they are
deployed (the producing service and the consuming service are different
processes; each Python process uses one core):
- raw: a process publishing with aio-pika and publisher confirms (pipelined in
  batches of 500) to a quorum queue, and a process consuming with manual acks;
- encaisse: a producing process commits N business rows, each with its
  outbox row (100 per transaction); a process runs the OutboxRelay (batches of
  --relay-batch, confirms); a process runs a Consumer with its inbox (the
  message id claimed in the handler's transaction, acked after the commit).
  Three runs:
  1. outbox full, inbox only: the rows are committed first, then relay and
     consumer are timed from the first publish to the last message handled;
     the handler does nothing more than the inbox;
  2. at once, inbox only: producer, relay and consumer run together, as
     deployed, timed from the first business commit to the last message handled;
  3. the same with a handler that updates one row per message (SQLAlchemy Core),
     to show what an application's own effect adds.
At the end of each the benchmark checks that every message was handled exactly once
(and each row updated once where there is an effect) and that the outbox is empty.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import sys
import time
from pathlib import Path
from typing import ClassVar

import aio_pika
from sqlalchemy import Column, Integer, Table, insert, text, update

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _infra import ScratchDatabase, scratch_vhost

from encaisse.bus.consumer import Consumer
from encaisse.bus.outbox import OutboxRelay, stage
from encaisse.bus.publisher import Publisher, connect
from encaisse.bus.tables import inbox_table, outbox_table
from encaisse.bus.topology import EVENTS, Binding, QueueSpec, declare
from encaisse.contracts import Envelope, Event, encode
from encaisse.kit.db import make_engine, make_sessions, service_metadata

RAW_QUEUE = "bench.raw"


class Ticked(Event):
    """Benchmark-only event."""

    routing_key: ClassVar[str] = "bench.counter.ticked.v1"
    counter_id: int


def _schema():
    metadata = service_metadata("bench")
    counters = Table(
        "counters",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("ticks", Integer, nullable=False, server_default="0"),
    )
    return metadata, counters, outbox_table(metadata), inbox_table(metadata)


def _run(coro_fn, *args) -> None:
    asyncio.run(coro_fn(*args))


# --- raw aio-pika -------------------------------------------------------------------------


async def _raw_consume(amqp_url: str, n: int, ready, result) -> None:
    connection = await aio_pika.connect_robust(amqp_url)
    channel = await connection.channel()
    await channel.set_qos(prefetch_count=1000)
    queue = await channel.declare_queue(
        RAW_QUEUE, durable=True, arguments={"x-queue-type": "quorum"}
    )
    done = asyncio.Event()
    count = 0

    async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        nonlocal count
        await message.ack()
        count += 1
        if count == n:
            done.set()

    await queue.consume(on_message)
    ready.set()
    await done.wait()
    result.put(time.time())
    await connection.close()


async def _raw_publish(amqp_url: str, n: int, result) -> None:
    connection = await aio_pika.connect_robust(amqp_url)
    channel = await connection.channel(publisher_confirms=True)
    wire = encode(Envelope(payload=Ticked(tenant="B", version=1, counter_id=1), subject="1"))
    result.put(time.time())
    for batch in range(0, n, 500):
        await asyncio.gather(
            *(
                channel.default_exchange.publish(
                    aio_pika.Message(
                        wire.body,
                        headers=wire.headers,
                        message_id=str(i),
                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    ),
                    routing_key=RAW_QUEUE,
                )
                for i in range(batch, min(n, batch + 500))
            )
        )
    await connection.close()


def raw_rate(amqp_url: str, n: int) -> float:
    ctx = mp.get_context("spawn")
    ready, started, finished = ctx.Event(), ctx.Queue(), ctx.Queue()
    consumer = ctx.Process(target=_run, args=(_raw_consume, amqp_url, n, ready, finished))
    consumer.start()
    ready.wait(60)
    producer = ctx.Process(target=_run, args=(_raw_publish, amqp_url, n, started))
    producer.start()
    start, end = started.get(timeout=600), finished.get(timeout=600)
    producer.join()
    consumer.join()
    return n / (end - start)


# --- encaisse: outbox, relay, consumer with inbox ----------------------------------------


async def _create_schema(database_url: str) -> None:
    metadata = _schema()[0]
    engine = make_engine(database_url, pool_size=1)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE SCHEMA bench"))
        await conn.run_sync(metadata.create_all)
    await engine.dispose()


async def _write_outbox(database_url: str, n: int, result=None) -> float:
    """The producing service: each business row committed with its outbox row, 100 a commit."""
    _, counters, outbox, _ = _schema()
    engine = make_engine(database_url, pool_size=2)
    sessions = make_sessions(engine)
    if result is not None:
        result.put(time.time())
    start = time.perf_counter()
    for first in range(0, n, 100):
        async with sessions() as session, session.begin():
            ids = range(first, min(n, first + 100))
            await session.execute(insert(counters), [{"id": i} for i in ids])
            await stage(
                session,
                outbox,
                [
                    Envelope(payload=Ticked(tenant="B", version=1, counter_id=i), subject=str(i))
                    for i in ids
                ],
            )
    rate = n / (time.perf_counter() - start)
    await engine.dispose()
    return rate


async def _consume(
    database_url: str, amqp_url: str, n: int, spec: QueueSpec, effect: bool, ready, result
) -> None:
    _, counters, outbox, inbox = _schema()
    engine = make_engine(database_url, pool_size=spec.workers + 1)
    connection = await connect(amqp_url)
    handled = 0
    done = asyncio.Event()

    async def tick(envelope, uow) -> None:
        nonlocal handled
        if effect:
            await uow.session.execute(
                update(counters)
                .where(counters.c.id == envelope.payload.counter_id)
                .values(ticks=counters.c.ticks + 1)
            )
        handled += 1
        if handled == n:
            done.set()

    consumer = Consumer(
        connection,
        spec,
        {Ticked: tick},
        make_sessions(engine),
        outbox=outbox,
        inbox=inbox,
        publisher=Publisher(connection),
    )
    await consumer.start()
    ready.set()
    await done.wait()
    result.put(time.time())
    await consumer.stop()
    await connection.close()
    await engine.dispose()


async def _relay(database_url: str, amqp_url: str, n: int, relay_batch: int, result) -> None:
    """Relay until ``n`` messages went out (the outbox may still be filling)."""
    _, _, outbox, _ = _schema()
    engine = make_engine(database_url, pool_size=2)
    connection = await connect(amqp_url)
    relay = OutboxRelay(engine, outbox, Publisher(connection), batch_size=relay_batch)
    result.put(time.time())
    sent = 0
    while sent < n:
        batch = await relay.relay_once()
        sent += batch
        if batch < relay_batch:
            await asyncio.sleep(0.01)
    await connection.close()
    await engine.dispose()


async def _check(database_url: str, n: int, effect: bool) -> None:
    engine = make_engine(database_url, pool_size=1)
    async with engine.connect() as conn:
        wrong = await conn.scalar(text("SELECT count(*) FROM bench.counters WHERE ticks <> 1"))
        processed = await conn.scalar(text("SELECT count(*) FROM bench.inbox"))
        left = await conn.scalar(text("SELECT count(*) FROM bench.outbox"))
    await engine.dispose()
    assert wrong == (0 if effect else n), f"{wrong} counters not ticked exactly once"
    assert processed == n and left == 0, (processed, left)


def encaisse_rate(
    database_url: str,
    amqp_url: str,
    n: int,
    spec: QueueSpec,
    relay_batch: int,
    concurrent: bool,
    effect: bool,
) -> tuple[float, float]:
    """(business rows + outbox written per second, messages handled per second).

    Not ``concurrent``: the outbox is filled first, then relay and consumer are timed
    from the first publish. ``concurrent``: producer, relay and consumer run at once,
    as deployed, timed from the first business commit to the last message handled.
    """
    asyncio.run(_create_schema(database_url))
    ctx = mp.get_context("spawn")
    ready, started, finished = ctx.Event(), ctx.Queue(), ctx.Queue()
    consumer = ctx.Process(
        target=_run, args=(_consume, database_url, amqp_url, n, spec, effect, ready, finished)
    )
    consumer.start()
    ready.wait(60)
    write_rate = 0.0
    if concurrent:
        writer = ctx.Process(target=_run, args=(_write_outbox, database_url, n, started))
        writer.start()
        relay_started = ctx.Queue()
    else:
        write_rate = asyncio.run(_write_outbox(database_url, n))
        relay_started = started
    relay = ctx.Process(
        target=_run, args=(_relay, database_url, amqp_url, n, relay_batch, relay_started)
    )
    relay.start()
    start, end = started.get(timeout=600), finished.get(timeout=600)
    for process in (relay, consumer, *([writer] if concurrent else [])):
        process.join()
    asyncio.run(_check(database_url, n, effect))
    return write_rate, n / (end - start)


async def _declare(amqp_url: str) -> None:
    connection = await connect(amqp_url)
    await declare(await connection.channel())
    await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--prefetch", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--relay-batch", type=int, default=2000)
    args = parser.parse_args()
    n = args.messages
    spec = QueueSpec(
        "bench.counters",
        (Binding(EVENTS, "bench.#"),),
        prefetch=args.prefetch,
        batch_size=args.batch,
        workers=args.workers,
    )
    with scratch_vhost() as amqp_url:
        raw = raw_rate(amqp_url, n)
    runs = {
        "outbox full; relay + consumer, inbox only": (False, False),
        "producer + relay + consumer, inbox only": (True, False),
        "producer + relay + consumer, one row updated": (True, True),
    }
    rates = {}
    for label, (concurrent, effect) in runs.items():
        with scratch_vhost() as amqp_url, asyncio.Runner() as runner:
            database = ScratchDatabase()
            database_url = runner.run(database.__aenter__())
            try:
                runner.run(_declare(amqp_url))
                rates[label] = encaisse_rate(
                    database_url, amqp_url, n, spec, args.relay_batch, concurrent, effect
                )
            finally:
                runner.run(database.__aexit__(None, None, None))
    print(
        f"messages: {n}; consumer prefetch {spec.prefetch}, batches of up to "
        f"{spec.batch_size}, {spec.workers} worker(s); relay batches of {args.relay_batch}"
    )
    print(f"raw aio-pika, confirmed publish + manual-ack consume:  {raw:,.0f} msg/s")
    print(
        f"encaisse, business rows + outbox committed:            "
        f"{rates['outbox full; relay + consumer, inbox only'][0]:,.0f} msg/s"
    )
    for label, (_, rate) in rates.items():
        print(f"encaisse, {label + ':':45s} {rate:,.0f} msg/s ({rate / raw:.0%} of raw)")


if __name__ == "__main__":
    main()
