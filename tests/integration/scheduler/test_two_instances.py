"""Two scheduler instances share 50,000 due actions: every command is published exactly once;
they share the dispute owners' reminders: each is reminded once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import text

from encaisse.bus.publisher import connect
from encaisse.scheduler.repository.synthetic import seed
from encaisse.scheduler.usecases.casework import remind_dispute_owners
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


DISPUTES = 500


async def test_two_instances_remind_each_dispute_owner_once(database_url, amqp_url):
    await clean(database_url)
    apps = [
        await service_app(
            "scheduler", database_url, amqp_url, simulation=True, run_interval_seconds=3600
        )
        for _ in range(2)
    ]
    now = paris(TODAY, 10)
    async with client(apps[0], "admin-token") as one, client(apps[1], "admin-token"):
        assert (await one.put("/v1/clock", json={"now": now.isoformat()})).status_code == 200
        assert (await one.get("/v1/settings")).status_code == 200  # the tenant, seeded
        runtimes = [app.state.runtime for app in apps]
        params = {"tenant": TENANT, "count": DISPUTES, "opened": now - timedelta(days=7)}
        async with runtimes[0].engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO scheduler.customers (tenant, customer_ref, name, sales_rep_email) "
                    "SELECT :tenant, 'D' || n, 'Client ' || n, 'rep@acme.fr' "
                    "FROM generate_series(1, :count) AS n"
                ),
                params,
            )
            await conn.execute(
                text(
                    "INSERT INTO scheduler.disputes (id, tenant, customer_ref, invoice_number, "
                    "reason, source, opened_at, opened_by) "
                    "SELECT 'DP' || n, :tenant, 'D' || n, 'F' || n, 'amount_wrong', 'api', "
                    "CAST(:opened AS timestamptz), 'staff' FROM generate_series(1, :count) AS n"
                ),
                params,
            )
        while any(await asyncio.gather(*(remind_dispute_owners(rt) for rt in runtimes))):
            pass
        assert not any(await asyncio.gather(*(remind_dispute_owners(rt) for rt in runtimes)))
        async with runtimes[0].engine.connect() as conn:
            per_dispute = (
                await conn.execute(
                    text(
                        "SELECT dispute_id, count(*) AS n FROM scheduler.tasks "
                        "WHERE kind = 'dispute' GROUP BY dispute_id"
                    )
                )
            ).all()
        assert len(per_dispute) == DISPUTES and {r.n for r in per_dispute} == {1}
