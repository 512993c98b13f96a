"""What an exchange cannot route is kept, counted and routed again, never dropped unseen:
an event some Encaisse queue subscribes to whose queue is missing, a command for a
service not deployed. An event nobody subscribes to by design is dropped as before."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import uuid

import aio_pika
from prometheus_client import REGISTRY

from encaisse.bus.catalog import LEDGER_PORTAL_PAYMENTS, declare_subscriptions
from encaisse.bus.consumer import Consumer
from encaisse.bus.publisher import Outgoing, Publisher, connect
from encaisse.bus.topology import COMMANDS, EVENTS
from encaisse.kit.runtime import declare_topology, watch_unrouted
from support.bus import scratch_schema


def _dlq(amqp_url: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "encaisse.bus.dlq", "--amqp-url", amqp_url, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _count(listing: str, queue: str) -> str:
    return dict(line.split("\t") for line in listing.splitlines())[queue]


async def _publish(publisher: Publisher, exchange: str, key: str) -> str:
    message_id = str(uuid.uuid4())
    await publisher.publish(
        Outgoing(
            exchange=exchange,
            routing_key=key,
            message_id=message_id,
            headers={"ce-type": f"encaisse.{key}"},
            body=b"{}",
        )
    )
    return message_id


async def test_unroutable_events_and_commands_are_kept_counted_and_rerouted(amqp_url):
    connection = await connect(amqp_url)
    try:
        channel = await connection.channel()
        await declare_subscriptions(channel)
        await channel.queue_delete(LEDGER_PORTAL_PAYMENTS.name)  # its queue went missing
        publisher = Publisher(connection)
        payment = await _publish(publisher, EVENTS, "portal.payment.captured.v1")
        await _publish(publisher, EVENTS, "scheduler.case.opened.v1")  # nobody's, by design
        command = await _publish(publisher, COMMANDS, "console.refresh.v1")  # not deployed
        await asyncio.sleep(0.3)
        listing = _dlq(amqp_url, "list")
        assert _count(listing, "encaisse.unrouted-events") == "1"
        assert _count(listing, "encaisse.unrouted") == "1"
        await watch_unrouted(connection)
        assert (
            REGISTRY.get_sample_value(
                "encaisse_unrouted_messages", {"queue": "encaisse.unrouted-events"}
            )
            == 1
        )
        await declare_subscriptions(channel)  # the queue is back (a service started)
        console = await channel.declare_queue("", exclusive=True)
        await console.bind(COMMANDS, "console.#")
        out = _dlq(amqp_url, "reroute")
        assert f"rerouted {payment} " in out and f"rerouted {command} " in out
        assert out.splitlines()[-1] == "2 rerouted"
        queue = await channel.declare_queue(LEDGER_PORTAL_PAYMENTS.name, passive=True)
        got = await queue.get(timeout=5)
        assert (got.message_id, got.routing_key) == (payment, "portal.payment.captured.v1")
        assert (await console.get(timeout=5)).message_id == command
        listing = _dlq(amqp_url, "list")
        assert _count(listing, "encaisse.unrouted-events") == "0"
        assert _count(listing, "encaisse.unrouted") == "0"
    finally:
        await connection.close()


async def test_a_broker_whose_events_exchange_predates_its_alternate_is_used_as_it_is(
    database_url, amqp_url, caplog
):
    connection = await connect(amqp_url)
    try:
        channel = await connection.channel()
        await channel.declare_exchange(EVENTS, aio_pika.ExchangeType.TOPIC, durable=True)
        with caplog.at_level(logging.WARNING):
            await declare_topology(connection)  # what every service does at start
        assert "rabbitmqctl set_policy" in caplog.text and "encaisse.unrouted-events" in caplog.text
        await channel.declare_queue(LEDGER_PORTAL_PAYMENTS.name, passive=True)  # declared
        async with scratch_schema(database_url) as schema:  # and its consumers start too
            consumer = Consumer(
                connection,
                LEDGER_PORTAL_PAYMENTS,
                {},
                schema.sessions,
                outbox=schema.outbox,
                inbox=schema.inbox,
                publisher=Publisher(connection),
            )
            await consumer.start()
            assert consumer.consuming
            await consumer.stop()
    finally:
        await connection.close()
