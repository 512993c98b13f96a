"""Playing the other services for the scheduler's tests: ledger events in, commands out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import aio_pika
from sqlalchemy import text

from encaisse.bus.publisher import Publisher, connect
from encaisse.bus.topology import COMMANDS, EVENTS, declare_exchanges
from encaisse.contracts import Envelope, Money, decode
from encaisse.contracts.ledger import (
    Allocation,
    CustomerUpserted,
    InvoiceIssued,
    InvoiceSettled,
    InvoiceStatus,
    PaymentMethod,
    PaymentReceived,
    PostalAddress,
    Segment,
)
from encaisse.kit.db import make_engine
from support.http import client
from support.services import TENANT, service_app

TABLES = (
    "customers",
    "tracks",
    "timeline",
    "channel_days",
    "validations",
    "tasks",
    "disputes",
    "promises",
    "clock",
    "outbox",
    "inbox",
    "tenants",
    "profiles",
    "scenario_versions",
    "profile_rules",
    "deferred",
    "exclusions",
)


def paris(day: date, hour: int = 10) -> datetime:
    """``hour`` o'clock in Paris, as UTC."""
    from zoneinfo import ZoneInfo

    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo("Europe/Paris")).astimezone(
        UTC
    )


async def clean(database_url: str) -> None:
    """Each test starts from an empty scheduler schema (the run shares one database)."""
    from support.services import migrate

    await migrate("scheduler", database_url)
    engine = make_engine(database_url, pool_size=1)
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE " + ", ".join(f"scheduler.{t}" for t in TABLES)))
    await engine.dispose()


class Probe:
    """A queue bound to the commands (and the scheduler's events) that keeps what arrives."""

    def __init__(self) -> None:
        self.received: list[Envelope[Any]] = []

    async def start(self, connection: aio_pika.abc.AbstractConnection) -> None:
        channel = await connection.channel()
        await declare_exchanges(channel)
        queue = await channel.declare_queue("", exclusive=True)
        await queue.bind(COMMANDS, "#")
        await queue.bind(EVENTS, "scheduler.#")
        await queue.consume(self._on)

    async def _on(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        self.received.append(decode(message.headers or {}, message.content_type, message.body))
        await message.ack()

    def commands(self) -> list[Any]:
        return [e.payload for e in self.received if e.payload.message_kind == "command"]

    def events(self, kind: type) -> list[Any]:
        return [e.payload for e in self.received if isinstance(e.payload, kind)]

    async def wait(self, predicate, timeout: float = 15.0) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                await asyncio.sleep(0.03)

    async def settle(self, quiet: float = 0.3) -> None:
        """Wait until nothing new has arrived for ``quiet`` seconds."""
        count = -1
        while count != len(self.received):
            count = len(self.received)
            await asyncio.sleep(quiet)


class Ledger:
    """Publishes what the ledger would, with growing versions per aggregate."""

    def __init__(self, publisher: Publisher, tenant: str = TENANT) -> None:
        self.publisher, self.tenant = publisher, tenant
        self.versions: dict[str, int] = {}
        self.ids: set[str] = set()

    async def publish(self, envelope: Envelope[Any]) -> None:
        self.ids.add(envelope.id)
        await self.publisher.publish_envelope(envelope)

    def _next(self, key: str) -> int:
        self.versions[key] = self.versions.get(key, 0) + 1
        return self.versions[key]

    async def customer(
        self,
        ref: str,
        *,
        email: str | None = "ap@client.fr",
        phone: str | None = "+33612345678",
        address: bool = True,
        segment: Segment = Segment.SME,
        country: str = "FR",
        sales_rep: str | None = "rep@acme.fr",
        language: str = "fr",
        payment_method: PaymentMethod = PaymentMethod.TRANSFER,
        **extra: Any,
    ) -> None:
        await self.publish(
            Envelope(
                payload=CustomerUpserted(
                    tenant=self.tenant,
                    version=self._next(f"c:{ref}"),
                    customer_ref=ref,
                    name=f"Client {ref}",
                    segment=segment,
                    country=country,
                    language=language,
                    timezone="Europe/Paris",
                    payment_method=payment_method,
                    email=email,
                    phone=phone,
                    sales_rep_email=sales_rep,
                    created=True,
                    address=PostalAddress(
                        lines=("1 rue de la Paix",), postal_code="75002", city="Paris", country="FR"
                    )
                    if address
                    else None,
                    **extra,
                ),
                subject=ref,
            )
        )

    async def invoice(
        self,
        ref: str,
        number: str,
        due: date,
        amount: str = "1200.00",
        cls: type = InvoiceIssued,
        balance: str | None = None,
        status: InvoiceStatus = InvoiceStatus.OPEN,
        version: int | None = None,
        currency: str = "EUR",
        **extra: Any,
    ) -> None:
        money = Money(amount=Decimal(amount), currency=currency)
        payload = cls(
            tenant=self.tenant,
            version=version or self._next(f"i:{number}"),
            invoice_number=number,
            customer_ref=ref,
            issue_date=due - timedelta(30),
            due_date=due,
            amount=money,
            open_balance=Money(amount=Decimal(balance or amount), currency=currency),
            status=status,
            **extra,
        )
        await self.publish(Envelope(payload=payload, subject=number))

    async def settle(
        self,
        ref: str,
        number: str,
        due: date,
        on: date,
        amount: str = "1200.00",
        payment_ref: str = "P1",
    ) -> None:
        await self.invoice(
            ref,
            number,
            due,
            amount,
            InvoiceSettled,
            balance="0",
            status=InvoiceStatus.PAID,
            settled_on=on,
            payment_refs=(payment_ref,),
        )
        await self.payment(ref, payment_ref, on, {number: (amount, "0")})

    async def payment(
        self, ref: str, payment_ref: str, on: date, allocations: dict[str, tuple[str, str]]
    ) -> None:
        """A payment: invoice number -> (amount paid, open balance after)."""

        def eur(amount: str | Decimal) -> Money:
            return Money(amount=Decimal(amount), currency="EUR")

        total = sum((Decimal(paid) for paid, _ in allocations.values()), Decimal(0))
        await self.publish(
            Envelope(
                payload=PaymentReceived(
                    tenant=self.tenant,
                    version=1,
                    payment_ref=payment_ref,
                    customer_ref=ref,
                    paid_on=on,
                    amount=eur(total),
                    method=PaymentMethod.TRANSFER,
                    allocations=tuple(
                        Allocation(
                            invoice_number=n, amount=eur(paid), open_balance_after=eur(after)
                        )
                        for n, (paid, after) in allocations.items()
                    ),
                    unallocated=eur("0"),
                ),
                subject=payment_ref,
            )
        )


class Harness:
    def __init__(self, http, probe: Probe, ledger: Ledger, app) -> None:
        self.http, self.probe, self.ledger, self.app = http, probe, ledger, app

    async def set_clock(self, when: datetime) -> None:
        r = await self.http.put("/v1/clock", json={"now": when.isoformat()})
        assert r.status_code == 200, r.text

    async def one_invoice(
        self, ref: str, number: str, due: date, now: datetime, **customer: Any
    ) -> None:
        """At ``now``, a customer of the ledger with one open invoice, taken in."""
        await self.set_clock(now)
        await self.ledger.customer(ref, **customer)
        await self.ledger.invoice(ref, number, due)
        await self.quiet()

    async def advance(self, days: int = 0, hours: int = 0) -> dict[str, Any]:
        """Move the simulated clock forward by exactly this much (then the day run)."""
        r = await self.http.post("/v1/clock/advance", json={"days": days, "hours": hours})
        assert r.status_code == 200, r.text
        return r.json()

    async def quiet(self, timeout: float = 20.0) -> None:
        """Wait until the scheduler has handled every event sent and the outbox is relayed."""
        engine = self.app.state.runtime.engine
        async with asyncio.timeout(timeout):
            while True:
                async with engine.connect() as conn:
                    handled = await conn.scalar(text("SELECT count(*) FROM scheduler.inbox"))
                    waiting = await conn.scalar(text("SELECT count(*) FROM scheduler.outbox"))
                if handled >= len(self.ledger.ids) and waiting == 0:
                    break
                await asyncio.sleep(0.03)
        await self.probe.settle(0.15)

    async def dun_per_invoice(self, *codes: str, contacts_per_week: int = 2) -> None:
        """The profiles ``codes`` (all when none) dun each invoice on its own track."""
        for profile in (await self.http.get("/v1/profiles")).json():
            if codes and profile["code"] not in codes:
                continue
            policy = dict(
                profile["policy"], mode="per_invoice", contacts_per_week=contacts_per_week
            )
            body = {k: profile[k] for k in ("name", "scenario_code", "segments")}
            r = await self.http.put(
                f"/v1/profiles/{profile['code']}", json=dict(body, policy=policy)
            )
            assert r.status_code == 200, r.text

    async def timeline(self, ref: str) -> dict[str, Any]:
        r = await self.http.get(f"/v1/customers/{ref}/timeline")
        assert r.status_code == 200, r.text
        return r.json()


def templates(h: Harness, number: str | None = None) -> list[str]:
    """The templates of the commands sent so far (those listing ``number``)."""
    return [
        c.template
        for c in h.probe.commands()
        if number is None or any(i.invoice_number == number for i in c.invoices)
    ]


async def days(h: Harness, n: int) -> None:
    """Advance the clock one day at a time, ``n`` times (a run after each)."""
    for _ in range(n):
        await h.advance(days=1)
    await h.quiet()


@asynccontextmanager
async def running(
    database_url: str, amqp_url: str, *, per_invoice: bool = False, **settings: Any
) -> AsyncIterator[Harness]:
    """A scheduler with a probe on the bus. ``per_invoice``: every profile duns each invoice
    on its own track (the tests of one invoice's track taken in at a given step: under the
    default, per customer, the first act is the first step after the due date)."""
    await clean(database_url)
    app = await service_app(
        "scheduler", database_url, amqp_url, simulation=True, run_interval_seconds=3600, **settings
    )
    connection = await connect(amqp_url)
    probe = Probe()
    await probe.start(connection)
    try:
        async with client(app, "admin-token") as http:
            h = Harness(http, probe, Ledger(Publisher(connection)), app)
            if per_invoice:
                await h.dun_per_invoice()
            yield h
    finally:
        await connection.close()
