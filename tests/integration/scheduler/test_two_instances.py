"""Two scheduler instances share 50,000 due actions: every command is published exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date

from sqlalchemy import text

from encaisse.bus.publisher import connect
from encaisse.scheduler.repository.synthetic import seed
from encaisse.scheduler.usecases.dayrun import run_due
from integration.scheduler.harness import Probe, clean, paris
from support.http import client
from support.services import TENANT, service_app

TODAY = date(2026, 6, 9)  # a Tuesday
CUSTOMERS = 25_000


async def test_two_instances_publish_each_command_exactly_once(database_url, amqp_url):
    await clean(database_url)
    first = await service_app(
        "scheduler",
        database_url,
        amqp_url,
        simulation=True,
        run_interval_seconds=3600,
        run_batch_size=250,
    )
    second = await service_app(
        "scheduler",
        database_url,
        amqp_url,
        simulation=True,
        run_interval_seconds=3600,
        run_batch_size=250,
    )
    connection = await connect(amqp_url)
    probe = Probe()
    await probe.start(connection)
    now = paris(TODAY, 10)
    try:
        async with client(first, "admin-token") as one, client(second, "admin-token"):
            engine = first.state.runtime.engine
            async with engine.begin() as conn:
                # two invoices per customer, both at D+7 today: 50,000 due actions
                await seed(
                    conn,
                    tenant=TENANT,
                    customers=CUSTOMERS,
                    per_customer=2,
                    today=TODAY,
                    due_from=-7,
                    due_to=-7,
                )
            assert (await one.put("/v1/clock", json={"now": now.isoformat()})).status_code == 200
            a, b = await asyncio.gather(
                run_due(first.state.runtime.engine, now, batch_size=250),
                run_due(second.state.runtime.engine, now, batch_size=250),
            )
            assert a.customers > 0 and b.customers > 0, (a, b)
            assert a.customers + b.customers == CUSTOMERS
            assert a.commands + b.commands == CUSTOMERS  # one grouped email per customer
            await probe.wait(lambda: len(probe.commands()) >= CUSTOMERS, timeout=240)
            await probe.settle(1.0)
            keys = Counter(c.idempotency_key for c in probe.commands())
            assert len(keys) == CUSTOMERS and set(keys.values()) == {1}
            ids = Counter(e.id for e in probe.received if e.payload.message_kind == "command")
            assert set(ids.values()) == {1}
            assert all(
                len(c.invoices) == 2 and c.template == "first_reminder" for c in probe.commands()
            )
            async with engine.connect() as conn:
                advanced = await conn.scalar(
                    text("SELECT count(*) FROM scheduler.tracks WHERE last_offset = 7")
                )
                left = await conn.scalar(
                    text("SELECT count(*) FROM scheduler.customers WHERE next_due_at <= :now"),
                    {"now": now},
                )
            assert advanced == 2 * CUSTOMERS and left == 0
            again = await run_due(engine, now)
            assert again.customers == 0
    finally:
        await connection.close()
