"""End to end, black box: the ledger as a process, an external subscriber on ``ledger.#``.

Invoice issued, payment received and invoice settled arrive with increasing
versions; an identical PUT yields no event; a rejected direct debit re-opens
the invoice and an event says so.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from typing import Any

import aio_pika
import httpx

from encaisse.bus.topology import EVENTS, declare_exchanges
from encaisse.contracts import Envelope, decode
from support.http import free_port, wait_ready
from support.services import migrate, settings_env

STAFF = {"Authorization": "Bearer collector-token"}


async def _subscriber(
    amqp_url: str, received: list[Envelope[Any]]
) -> aio_pika.abc.AbstractConnection:
    connection = await aio_pika.connect(amqp_url)
    channel = await connection.channel()
    await declare_exchanges(channel)
    queue = await channel.declare_queue(
        "external.ledger_watch", durable=True, arguments={"x-queue-type": "quorum"}
    )
    await queue.bind(EVENTS, routing_key="ledger.#")

    async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        async with message.process():
            received.append(decode(message.headers or {}, message.content_type, message.body))

    await queue.consume(on_message)
    return connection


async def _until(probe, timeout: float = 20.0):
    async with asyncio.timeout(timeout):
        while not (found := probe()):
            await asyncio.sleep(0.05)
        return found


async def test_ledger_events_seen_by_an_external_subscriber(database_url, amqp_url):
    await migrate("ledger", database_url)
    received: list[Envelope[Any]] = []
    subscriber = await _subscriber(amqp_url, received)
    port = free_port()
    env = dict(os.environ, **settings_env(database_url, amqp_url), ENCAISSE_HTTP_PORT=str(port))
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "encaisse.ledger",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    tag = uuid.uuid4().hex[:6]
    cust, number, debit, pay = f"C-{tag}", f"F-{tag}", f"F-DD-{tag}", f"P-{tag}"
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", headers=STAFF, timeout=30
        ) as http:
            await wait_ready(f"http://127.0.0.1:{port}", timeout=60)
            customer = {
                "name": "Garage Durand",
                "segment": "sme",
                "country": "FR",
                "payment_method": "direct_debit",
                "email": "compta@durand.example",
            }
            assert (await http.put(f"/v1/customers/{cust}", json=customer)).status_code == 201
            invoice = {
                "customer_ref": cust,
                "issue_date": "2026-01-05",
                "due_date": "2026-02-04",
                "amount": "300.00",
                "currency": "EUR",
            }
            assert (await http.put(f"/v1/invoices/{number}", json=invoice)).status_code == 201
            assert (await http.put(f"/v1/invoices/{number}", json=invoice)).status_code == 200
            paid = await http.post(
                "/v1/payments",
                json={
                    "ref": pay,
                    "customer_ref": cust,
                    "date": "2026-02-10",
                    "amount": "300.00",
                    "currency": "EUR",
                    "method": "transfer",
                },
            )
            assert paid.status_code == 201, paid.text

            mine = lambda: [e for e in received if e.subject in (number, pay)]  # noqa: E731
            await _until(lambda: len(mine()) >= 3)
            await asyncio.sleep(0.5)  # anything more (there should be nothing) would show
            events = mine()
            assert [e.routing_key for e in events] == [
                "ledger.invoice.issued.v1",
                "ledger.payment.received.v1",
                "ledger.invoice.settled.v1",
            ]
            invoice_versions = [e.payload.version for e in events if e.subject == number]
            assert invoice_versions == [1, 2]  # the identical PUT made no version, no event
            assert events[1].payload.allocations[0].invoice_number == number
            assert events[2].payload.payment_refs == (pay,)

            assert (await http.put(f"/v1/invoices/{debit}", json=invoice)).status_code == 201
            dd = await http.post(
                "/v1/payments",
                json={
                    "ref": f"{pay}-DD",
                    "customer_ref": cust,
                    "date": "2026-02-10",
                    "amount": "300.00",
                    "currency": "EUR",
                    "method": "direct_debit",
                },
            )
            assert dd.json()["allocations"] == [{"invoice_number": debit, "amount": "300.00"}]
            rejected = await http.post(
                f"/v1/payments/{pay}-DD/rejection", json={"date": "2026-02-15", "reason": "AM04"}
            )
            assert rejected.status_code == 200

            def of_debit() -> list:
                return [e for e in received if e.subject in (debit, f"{pay}-DD")]

            await _until(lambda: len(of_debit()) >= 5)
            kinds = [(e.routing_key, e.payload.version) for e in of_debit()]
            assert kinds == [
                ("ledger.invoice.issued.v1", 1),
                ("ledger.payment.received.v1", 1),
                ("ledger.invoice.settled.v1", 2),
                ("ledger.invoice.updated.v1", 3),
                ("ledger.payment.rejected.v1", 2),
            ]
            reopened = of_debit()[3].payload
            assert (reopened.reason, reopened.status) == ("reopened", "open")
            assert of_debit()[4].payload.reopened[0].invoice_number == debit
    finally:
        proc.terminate()
        await proc.wait()
        await subscriber.close()
