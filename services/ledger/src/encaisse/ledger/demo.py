"""Demo data for tenant DEMO: ``python -m encaisse.ledger.demo`` (run by ``make run``).

About 50 customers across the segments (some abroad), 300 invoices due from 90 days
ago to 30 days ahead, and some payments (one a rejected direct debit). Everything goes
through the ledger's own functions, so the events wait in the outbox for the service
to publish them. Running it again changes nothing: customers are upserted, invoices
that exist are left alone (their dates stay those of the first run), payments are
idempotent by reference.
"""

from __future__ import annotations

import asyncio
import random
from datetime import date, timedelta
from decimal import Decimal

import phonenumbers
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stdnum import luhn

from encaisse.bus.uow import UnitOfWork
from encaisse.kit.clock import Clock, SystemClock
from encaisse.kit.clock import today as business_day
from encaisse.kit.db import make_engine, make_sessions
from encaisse.kit.logs import configure_logging
from encaisse.ledger import db
from encaisse.ledger.models import CustomerIn, InvoiceIn, PaymentIn
from encaisse.ledger.repository.invoices import invoice_numbers
from encaisse.ledger.repository.payments import payment_refs
from encaisse.ledger.settings import LedgerSettings
from encaisse.ledger.usecases.customers import upsert_customer
from encaisse.ledger.usecases.invoices import put_invoice
from encaisse.ledger.usecases.payments import record_payment, reject_payment

TENANT = "DEMO"
SEGMENTS = ["sme"] * 5 + ["key_account"] * 2 + ["public", "individual", "export"]
ABROAD = [
    ("DE", "de", "Europe/Berlin", "Berlin", "10115"),
    ("BE", "fr", "Europe/Brussels", "Bruxelles", "1000"),
    ("ES", "es", "Europe/Madrid", "Madrid", "28001"),
    ("GB", "en", "Europe/London", "London", "EC1A 1BB"),
    ("US", "en", "America/New_York", "New York", "10001"),
]
NAMES = [
    "Boulangerie",
    "Transports",
    "Garage",
    "Pharmacie",
    "Imprimerie",
    "Menuiserie",
    "Laboratoires",
    "Hôtel",
    "Cabinet",
    "Atelier",
]
FAMILIES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
]


def siren(rng: random.Random) -> str:
    body = f"{rng.randrange(10**7, 10**8):08d}"
    return body + luhn.calc_check_digit(body)


def customers(rng: random.Random) -> list[tuple[str, CustomerIn]]:
    result = []
    for n in range(50):
        segment = SEGMENTS[n % len(SEGMENTS)]
        abroad = ABROAD[n % len(ABROAD)] if segment == "export" or n % 11 == 0 else None
        country, language, tz, city, postal = abroad or (
            "FR",
            "fr",
            "Europe/Paris",
            "Paris",
            f"750{n % 20 + 1:02d}",
        )
        name = (
            f"{rng.choice(FAMILIES)} {rng.choice(FAMILIES)}"
            if segment == "individual"
            else f"{rng.choice(NAMES)} {rng.choice(FAMILIES)}"
        )
        phone = (
            f"+3314{n:07d}"
            if country == "FR"
            else phonenumbers.format_number(
                phonenumbers.example_number(country),  # type: ignore[arg-type]  # known: FR, DE, BE...
                phonenumbers.PhoneNumberFormat.E164,
            )
        )
        ref = f"CUST-{n + 1:03d}"
        result.append(
            (
                ref,
                CustomerIn(
                    name=name,
                    legal_id=siren(rng) if country == "FR" and segment != "individual" else None,
                    segment=segment,
                    country=country,
                    language=language,
                    timezone=tz,
                    payment_method=["transfer", "direct_debit", "cheque", "card"][n % 4],
                    email=f"compta+{ref.lower()}@example.com",
                    phone=phone,
                    address={
                        "lines": [f"{n + 1} rue de la République"],
                        "postal_code": postal,
                        "city": city,
                        "country": country,
                    },
                    sales_rep_email="commercial@example.com",
                    excluded_from_dunning=n == 49,
                    # the firmer steps address the finance director, where there is one
                    contacts=()
                    if segment == "individual"
                    else (
                        {
                            "role": "finance_director",
                            "name": f"Direction financière {ref}",
                            "email": f"daf+{ref.lower()}@example.com",
                            "hours": "Mon-Fri 9-12",
                        },
                    ),
                ),
            )
        )
    return result


def invoices(rng: random.Random, refs: list[str], today: date) -> list[tuple[str, InvoiceIn]]:
    result = []
    for n in range(300):
        due = today + timedelta(days=rng.randint(-90, 30))
        amount = Decimal(rng.randint(5_000, 2_500_000)) / 100
        currency = "USD" if n % 25 == 0 else "EUR"
        result.append(
            (
                f"INV-{today.year}-{n + 1:05d}",
                InvoiceIn(
                    customer_ref=refs[n % len(refs)],
                    issue_date=due - timedelta(days=30),
                    due_date=due,
                    amount=amount,
                    currency=currency,
                    pdf_url=f"https://docs.example.com/invoices/{n + 1:05d}.pdf",
                ),
            )
        )
    return result


async def load(
    settings: LedgerSettings, today: date | None = None, clock: Clock | None = None
) -> None:
    """Load the demo data as of ``today`` (the business day ``clock`` reads, by default)."""
    clock = clock or SystemClock()
    today = today or business_day(clock)
    rng = random.Random(2026)
    engine = make_engine(settings.database_url, pool_size=2)
    sessions = make_sessions(engine)
    try:
        async with sessions() as session, session.begin():
            uow = UnitOfWork(session, db.outbox, now=clock.now)
            for ref, customer in customers(rng):
                await upsert_customer(uow, TENANT, ref, customer)
            refs = [ref for ref, _ in customers(random.Random(2026))]
            known = await invoice_numbers(session, TENANT)
            batch = invoices(rng, refs, today)
            for number, invoice in batch:
                if number not in known:
                    await put_invoice(uow, TENANT, number, invoice, clock.now())
        await _payments(sessions, batch, today, clock)
    finally:
        await engine.dispose()


async def _payments(
    sessions: async_sessionmaker[AsyncSession],
    batch: list[tuple[str, InvoiceIn]],
    today: date,
    clock: Clock,
) -> None:
    """Some invoices paid in full, some in part, one direct debit rejected."""
    async with sessions() as session:
        known = await payment_refs(session, TENANT)
    for n, (number, inv) in enumerate(batch[:80]):
        if n % 2 or f"PAY-{number}" in known:
            continue
        amount = inv.amount if n % 6 else (inv.amount / 2).quantize(Decimal("0.01"))
        method = "direct_debit" if n % 20 == 0 else "transfer"
        cmd = PaymentIn(
            ref=f"PAY-{number}",
            customer_ref=inv.customer_ref,
            date=min(today, inv.due_date + timedelta(days=n % 9)),
            amount=amount,
            currency=inv.currency,
            method=method,
            allocations=({"invoice_number": number, "amount": amount},),
        )
        async with sessions() as session, session.begin():
            uow = UnitOfWork(session, db.outbox, now=clock.now)
            await record_payment(uow, TENANT, cmd)
            if n == 40:
                await reject_payment(uow, TENANT, cmd.ref, today, "AM04 insufficient funds")


def main() -> None:
    settings = LedgerSettings()
    configure_logging(settings.log_level, json=settings.log_json, service="ledger-demo")
    asyncio.run(load(settings))
    print(f"ledger demo data loaded for tenant {TENANT}")


if __name__ == "__main__":
    main()
