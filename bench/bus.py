"""Messages per second through outbox + relay + consumer with inbox, beside raw aio-pika.

    .venv/bin/python bench/bus.py [--messages 20000]

Same machine, same run, same broker:
- raw: aio-pika publishing with confirms (pipelined in batches of 500) while a
  consumer with manual acks (prefetch 500) takes them off a quorum queue;
- encaisse: N business rows each committed with its outbox row (100 per
  transaction), then the relay (batches of 500, confirms) and a Consumer with
  its inbox (one handler effect per message, written in its transaction),
  timed from the first relay batch to the last handled message.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import aio_pika
from sqlalchemy import Column, Integer, Table, insert, text, update

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _infra import ScratchDatabase, scratch_vhost  # noqa: E402

from encaisse.bus.consumer import Consumer  # noqa: E402
from encaisse.bus.outbox import OutboxRelay, stage  # noqa: E402
from encaisse.bus.publisher import Publisher, connect  # noqa: E402
from encaisse.bus.tables import inbox_table, outbox_table  # noqa: E402
from encaisse.bus.topology import EVENTS, Binding, QueueSpec, declare  # noqa: E402
from encaisse.contracts import Envelope, Event  # noqa: E402
from encaisse.kit.db import make_engine, make_sessions, service_metadata  # noqa: E402


class Ticked(Event):
    """Benchmark-only event."""

    routing_key = "bench.counter.ticked.v1"
    counter_id: int


async def raw_rate(amqp_url: str, n: int) -> float:
    connection = await aio_pika.connect_robust(amqp_url)
    pub = await connection.channel(publisher_confirms=True)
    sub = await connection.channel()
    await sub.set_qos(prefetch_count=500)
    queue = await sub.declare_queue("bench.raw", durable=True,
                                    arguments={"x-queue-type": "quorum"})
    done = asyncio.Event()
    count = 0

    async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        nonlocal count
        await message.ack()
        count += 1
        if count == n:
            done.set()

    await queue.consume(on_message)
    body = Envelope(payload=Ticked(tenant="B", version=1, counter_id=1), subject="1")
    from encaisse.contracts import encode

    wire = encode(body)
    start = time.perf_counter()
    for batch in range(0, n, 500):
        await asyncio.gather(*(
            pub.default_exchange.publish(
                aio_pika.Message(wire.body, headers=wire.headers, message_id=str(i),
                                 delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                routing_key="bench.raw")
            for i in range(batch, min(n, batch + 500))))
    await done.wait()
    elapsed = time.perf_counter() - start
    await connection.close()
    return n / elapsed


async def encaisse_rate(
    database_url: str, amqp_url: str, n: int, spec: QueueSpec, with_effect: bool = True
) -> tuple[float, float]:
    metadata = service_metadata("bench")
    counters = Table("counters", metadata, Column("id", Integer, primary_key=True),
                     Column("ticks", Integer, nullable=False, server_default="0"))
    outbox, inbox = outbox_table(metadata), inbox_table(metadata)
    engine = make_engine(database_url, pool_size=10)
    sessions = make_sessions(engine)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE SCHEMA bench"))
        await conn.run_sync(metadata.create_all)

    start = time.perf_counter()
    for first in range(0, n, 100):
        async with sessions() as session, session.begin():
            ids = range(first, min(n, first + 100))
            await session.execute(insert(counters), [{"id": i} for i in ids])
            await stage(session, outbox, [
                Envelope(payload=Ticked(tenant="B", version=1, counter_id=i), subject=str(i))
                for i in ids])
    write_rate = n / (time.perf_counter() - start)

    connection = await connect(amqp_url)
    channel = await connection.channel()
    await declare(channel)
    handled = 0
    done = asyncio.Event()

    async def tick(envelope, uow) -> None:
        nonlocal handled
        if with_effect:
            await uow.session.execute(update(counters).where(
                counters.c.id == envelope.payload.counter_id).values(ticks=counters.c.ticks + 1))
        handled += 1
        if handled == n:
            done.set()

    publisher = Publisher(connection)
    consumer = Consumer(connection, spec, {Ticked: tick}, sessions, outbox=outbox, inbox=inbox,
                        publisher=publisher)
    await consumer.start()
    relay = OutboxRelay(engine, outbox, publisher, batch_size=500, idle_delay=0.01)
    start = time.perf_counter()
    task = asyncio.create_task(relay.run())
    await done.wait()
    relay_consume_rate = n / (time.perf_counter() - start)
    relay.stop()
    await task
    await consumer.stop()
    async with engine.connect() as conn:
        if with_effect:
            wrong = await conn.scalar(text("SELECT count(*) FROM bench.counters WHERE ticks <> 1"))
            assert wrong == 0, f"{wrong} counters not ticked exactly once"
        processed = await conn.scalar(text("SELECT count(*) FROM bench.inbox"))
        assert processed == n, f"{processed} of {n} messages in the inbox"
    await connection.close()
    await engine.dispose()
    return write_rate, relay_consume_rate


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--prefetch", type=int, default=500)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    n = args.messages
    spec = QueueSpec("bench.counters", (Binding(EVENTS, "bench.#"),), prefetch=args.prefetch,
                     batch_size=args.batch, workers=args.workers)
    with scratch_vhost() as amqp_url:
        raw = await raw_rate(amqp_url, n)
    with scratch_vhost() as amqp_url:
        async with ScratchDatabase() as database_url:
            write, relayed = await encaisse_rate(database_url, amqp_url, n, spec)
    print(f"messages: {n}; consumer prefetch {spec.prefetch}, batches of up to "
          f"{spec.batch_size}, {spec.workers} workers")
    print(f"raw aio-pika, confirmed publish + manual-ack consume: {raw:,.0f} msg/s")
    print(f"encaisse, business rows + outbox committed:           {write:,.0f} msg/s")
    print(f"encaisse, relay + consumer with inbox:                {relayed:,.0f} msg/s "
          f"({relayed / raw:.0%} of raw)")


if __name__ == "__main__":
    asyncio.run(main())
