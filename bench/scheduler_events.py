"""How fast the scheduler takes in the ledger's events (an import of new invoices).

    .venv/bin/python bench/scheduler_events.py [--customers 1000 --per-customer 5]

Publishes one CustomerUpserted per customer and one InvoiceIssued per invoice on a
scratch vhost, starts the scheduler's runtime (its consumer with the queue's
batch size and workers) and times until every event is in its inbox.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _infra import ScratchDatabase, scratch_vhost

from encaisse.bus.publisher import Outgoing, Publisher, connect
from encaisse.bus.topology import declare
from encaisse.contracts import Envelope, Money
from encaisse.contracts.ledger import (
    CustomerUpserted,
    InvoiceIssued,
    InvoiceStatus,
    PaymentMethod,
    Segment,
)
from encaisse.kit.migrations import upgrade
from encaisse.scheduler.app import MIGRATIONS, bootstrap
from encaisse.scheduler.handlers import QUEUES
from encaisse.scheduler.settings import SchedulerSettings

TODAY = date(2026, 6, 9)


def events(customers: int, per_customer: int) -> list[Outgoing]:
    out = []
    for c in range(customers):
        ref = f"C{c:06d}"
        out.append(
            Outgoing.from_envelope(
                Envelope(
                    payload=CustomerUpserted(
                        tenant="BENCH",
                        version=1,
                        customer_ref=ref,
                        name=ref,
                        segment=Segment.SME,
                        country="FR",
                        language="fr",
                        timezone="Europe/Paris",
                        payment_method=PaymentMethod.TRANSFER,
                        email=f"{ref}@client.example",
                        created=True,
                    ),
                    subject=ref,
                )
            )
        )
        for i in range(per_customer):
            due = TODAY + timedelta(days=(c * 7 + i * 13) % 90 - 60)
            money = Money(amount=Decimal("100.00"), currency="EUR")
            out.append(
                Outgoing.from_envelope(
                    Envelope(
                        payload=InvoiceIssued(
                            tenant="BENCH",
                            version=1,
                            invoice_number=f"F{c:06d}-{i}",
                            customer_ref=ref,
                            issue_date=due - timedelta(days=30),
                            due_date=due,
                            amount=money,
                            open_balance=money,
                            status=InvoiceStatus.OPEN,
                        ),
                        subject=f"F{c}-{i}",
                    )
                )
            )
    return out


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--per-customer", type=int, default=5)
    args = parser.parse_args()
    batch = events(args.customers, args.per_customer)
    with scratch_vhost() as amqp_url:
        async with ScratchDatabase() as url:
            await asyncio.to_thread(upgrade, MIGRATIONS, url)
            settings = SchedulerSettings(
                database_url=url, amqp_url=amqp_url, run_interval_seconds=3600, log_json=False
            )
            connection = await connect(amqp_url)
            channel = await connection.channel()
            await declare(channel, *QUEUES)
            publisher = Publisher(connection)
            for i in range(0, len(batch), 1000):
                await publisher.publish_many(batch[i : i + 1000])
            async with bootstrap(settings) as runtime:
                started = time.perf_counter()
                while True:
                    async with runtime.engine.connect() as conn:
                        done = await conn.scalar(text("SELECT count(*) FROM scheduler.inbox"))
                    if done >= len(batch):
                        break
                    await asyncio.sleep(0.2)
                elapsed = time.perf_counter() - started
            await connection.close()
    spec = QUEUES[0]
    print(
        f"{len(batch):,} ledger events ({args.customers:,} customers) taken in "
        f"{elapsed:.1f} s: {len(batch) / elapsed:,.0f} events/s "
        f"(workers {spec.workers}, batch size {spec.batch_size})"
    )


if __name__ == "__main__":
    asyncio.run(main())
