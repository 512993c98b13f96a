"""The ledger publishes before any subscriber has ever started, on a fresh vhost: every
event still reaches the scheduler and the portal (the whole topology is declared by
whichever service starts first, and by ``migrate``)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from datetime import date, timedelta

import aio_pika
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from integration.portal.portal_support import running_portal
from integration.scheduler.harness import running
from support.http import client
from support.services import service_app, settings_env

DUE = date.today() + timedelta(days=20)


async def _relayed(database_url: str) -> None:
    engine = create_async_engine(database_url)
    try:
        async with asyncio.timeout(30):
            while True:
                async with engine.connect() as conn:
                    if not await conn.scalar(text("SELECT count(*) FROM ledger.outbox")):
                        return
                await asyncio.sleep(0.1)
    finally:
        await engine.dispose()


async def test_events_published_before_any_subscriber_started_reach_them(database_url, amqp_url):
    ref = f"TOPO-{uuid.uuid4().hex[:6]}"
    numbers = [f"F-{ref}-{n}" for n in range(3)]
    ledger_app = await service_app("ledger", database_url, amqp_url)
    async with client(ledger_app, "collector-token") as ledger:
        put = await ledger.put(
            f"/v1/customers/{ref}",
            json={
                "name": "Fromagerie Dupuis",
                "segment": "sme",
                "country": "FR",
                "language": "fr",
                "timezone": "Europe/Paris",
                "payment_method": "transfer",
                "email": "compta@dupuis.example",
            },
        )
        assert put.status_code == 201, put.text
        for number in numbers:
            put = await ledger.put(
                f"/v1/invoices/{number}",
                json={
                    "customer_ref": ref,
                    "issue_date": (DUE - timedelta(days=30)).isoformat(),
                    "due_date": DUE.isoformat(),
                    "amount": "100.00",
                    "currency": "EUR",
                },
            )
            assert put.status_code == 201, put.text
        await _relayed(database_url)  # published: no scheduler or portal has run yet

    async with (
        running(database_url, amqp_url) as scheduler,
        running_portal(database_url, amqp_url) as portal,
    ):
        async with asyncio.timeout(30):
            while (
                r := await scheduler.http.get(f"/v1/customers/{ref}/timeline")
            ).status_code != 200 or len(r.json()["invoices"]) < 3:
                await asyncio.sleep(0.2)
        assert sorted(i["invoice_number"] for i in r.json()["invoices"]) == numbers
        headers = await portal.signed_in(ref)
        async with asyncio.timeout(30):
            while True:
                page = (await portal.http.get("/", headers=headers)).text
                if all(n in page for n in numbers):
                    break
                await asyncio.sleep(0.2)
        assert "Aucune facture ouverte" not in page


async def test_migrate_lays_out_the_broker_before_any_service_runs(database_url, amqp_url):
    env = dict(os.environ, **settings_env(database_url, amqp_url))
    done = subprocess.run(
        [sys.executable, "-m", "encaisse.ledger", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        for queue in (
            "scheduler.events",
            "portal.read_model",
            "notifier.commands",
            "letters.commands",
            "ledger.portal_payments",
            "portal.notices",
        ):
            await channel.declare_queue(queue, passive=True)  # raises if it does not exist
    finally:
        await connection.close()
