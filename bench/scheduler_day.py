"""Time of one day's run of the scheduler over N open invoices.

    .venv/bin/python bench/scheduler_day.py [--customers 100000 --per-customer 10]
                                            [--workers 1] [--mode per_customer]

Seeds open invoices following the standard scenario, due dates spread over
90 days around the run's day (a Tuesday, 10:00 in Paris), each track holding
its next step and due_at (encaisse.scheduler.synthetic.seed), then times ``run_due``:
claim customers
in batches with SKIP LOCKED, decide, group, write the commands to the outbox,
advance the tracks, refresh the cases. Publishing the outbox (the relay) is
not in this figure: see bench/bus.py for the relay's rate. With ``--workers 2``
two run_due loops share the work, as two scheduler instances would.
By default it runs twice: 100,000 invoices, then 1,000,000. ``--mode`` sets the standard
profile's dunning mode: ``per_customer`` (the default: the day run reads every live track
of a claimed customer, its contacts of the last 30 days, and acts once for it) or
``per_invoice`` (each due track on its own, as before).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _infra import ScratchDatabase

from encaisse.kit.db import make_engine
from encaisse.kit.migrations import upgrade
from encaisse.scheduler.app import MIGRATIONS
from encaisse.scheduler.repository.synthetic import seed
from encaisse.scheduler.usecases.dayrun import RunStats, run_due

DAY = date(2026, 6, 9)  # a Tuesday
NOW = datetime(2026, 6, 9, 10, tzinfo=ZoneInfo("Europe/Paris")).astimezone(UTC)


async def one(customers: int, per_customer: int, workers: int, batch: int, mode: str) -> None:
    async with ScratchDatabase() as url:
        await asyncio.to_thread(upgrade, MIGRATIONS, url)
        engine = make_engine(url, pool_size=workers + 1)
        started = time.perf_counter()
        async with engine.begin() as conn:
            await seed(
                conn, tenant="BENCH", customers=customers, per_customer=per_customer, today=DAY
            )
            await conn.execute(
                text("UPDATE scheduler.profiles SET mode = :mode WHERE tenant = 'BENCH'"),
                {"mode": mode},
            )
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE scheduler.tracks"))
            await conn.execute(text("VACUUM ANALYZE scheduler.customers"))
            due = await conn.scalar(
                text("SELECT count(*) FROM scheduler.tracks WHERE due_at <= :now"), {"now": NOW}
            )
            claimed = await conn.scalar(
                text("SELECT count(*) FROM scheduler.customers WHERE next_due_at <= :now"),
                {"now": NOW},
            )
        seeded = time.perf_counter() - started
        started = time.perf_counter()
        runs = await asyncio.gather(
            *(run_due(engine, NOW, batch_size=batch) for _ in range(workers))
        )
        elapsed = time.perf_counter() - started
        total = RunStats()
        for r in runs:
            total.add(r)
        async with engine.connect() as conn:
            outbox = await conn.scalar(text("SELECT count(*) FROM scheduler.outbox"))
        await engine.dispose()
    invoices = customers * per_customer
    print(
        f"{invoices:>9,} open invoices of {customers:,} customers (seeded in {seeded:.0f} s): "
        f"{due:,} due tracks of {claimed:,} customers -> day run {elapsed:.1f} s "
        f"with {workers} worker(s), {mode}: {total.commands:,} commands, {total.tasks:,} tasks, "
        f"{total.skipped:,} skipped, {total.escalated:,} escalated, {outbox:,} outbox rows, "
        f"{total.batches} batches; {due / elapsed:,.0f} due tracks/s"
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int)
    parser.add_argument("--per-customer", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--mode", choices=("per_customer", "per_invoice"), default="per_customer")
    args = parser.parse_args()
    sizes = [args.customers] if args.customers else [10_000, 100_000]
    for customers in sizes:
        await one(customers, args.per_customer, args.workers, args.batch, args.mode)


if __name__ == "__main__":
    asyncio.run(main())
